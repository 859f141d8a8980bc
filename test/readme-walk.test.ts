import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { TestFolders } from './helpers/daemons.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')

/** The shell block of the README's "Three daemons by hand" walk. */
async function readmeWalk(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const walk = /Three daemons by hand[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]
  if (walk === undefined) throw new Error('README.md has no walk')
  return walk
}

/** Stops the daemon whose pid file is in `data`, if one runs. */
async function stopDaemon(data: string): Promise<void> {
  const pid = Number((await readFile(join(data, 'qpq-node.pid'), 'utf8').catch(() => '')).split(' ')[0])
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
}

describe("the README's walk, as written", function () {
  this.timeout(200_000)
  const folders = new TestFolders()
  let root = ''

  before(async () => {
    root = await folders.make('qpq-walk-')
  })

  after(async () => {
    for (const name of ['a', 'b', 'c']) await stopDaemon(join(root, name))
    await folders.removeAll()
  })

  it('delivers A’s text to C, who never ran before A sent and starts only after A stopped', async () => {
    // Only the data folders move, into a folder of the test's own; every command runs as written.
    const script = (await readmeWalk()).replaceAll('/tmp/', `${root}/`)
    const { stdout } = await run('timeout', ['150', 'bash', '-e', '-c', script], {
      cwd: ROOT,
      env: { ...process.env, QPQ_LOG_LEVEL: 'error' },
      maxBuffer: 16 * 1024 * 1024
    })
    const address = (
      await run(process.execPath, [
        join(ROOT, 'dist/node/src/cli/bin.js'),
        'id',
        '--data',
        join(root, 'a'),
        '--field',
        'address'
      ])
    ).stdout.trim()
    expect(stdout).to.include('hello')
    expect(stdout).to.include(address)
  })
})
