import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { readFile } from 'node:fs/promises'
import { unsupportedNodeMessage } from '../node/src/cli/supported-node.ts'
import { DAEMON_SHEBANG, DAEMON_V8_FLAGS } from '../node/src/cli/v8-flags.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
/** The bins as package.json names them, built by `npm test`'s pretest. */
const BINS = {
  'qpq-node': join(ROOT, 'dist', 'node', 'src', 'cli', 'bin.js'),
  'qpq-sim': join(ROOT, 'dist', 'sim', 'src', 'bin.js')
}
/** The system's Node.js, which `npm install --global` runs the bins with; older than 22 on this machine. */
const SYSTEM_NODE = '/usr/bin/node'

async function runBin(node: string, bin: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(node, [bin, ...args], { timeout: 30_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failure = err as { code?: number; stdout?: string; stderr?: string }
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' }
  }
}

describe('the bins on an old Node.js', function () {
  this.timeout(30_000)

  it('names the Node.js to install for any major below 22, and nothing from 22 on', () => {
    expect(unsupportedNodeMessage('qpq-node', '20.20.2')).to.equal(
      'qpq-node needs Node.js 22 or newer (this is v20.20.2): install Node.js 22 or 24 LTS'
    )
    expect(unsupportedNodeMessage('qpq-sim', '18.0.0')).to.match(/^qpq-sim needs Node\.js 22 or newer/)
    expect(unsupportedNodeMessage('qpq-node', '22.0.0')).to.equal(undefined)
    expect(unsupportedNodeMessage('qpq-node', '24.21.0')).to.equal(undefined)
  })

  it("refuse the system's old Node.js with one line and exit 1", async function () {
    const version = await runBin(SYSTEM_NODE, '--version', [])
    const major = Number(version.stdout.replace(/^v/, '').split('.')[0])
    if (version.code !== 0 || major >= 22) this.skip()
    for (const [name, bin] of Object.entries(BINS)) {
      const result = await runBin(SYSTEM_NODE, bin, ['--help'])
      expect(result.code, name).to.equal(1)
      expect(result.stdout, name).to.equal('')
      expect(result.stderr, name).to.equal(
        `${name} needs Node.js 22 or newer (this is ${version.stdout.trim()}): install Node.js 22 or 24 LTS\n`
      )
    }
  })

  it('run as before on the Node.js of the project', async () => {
    for (const [name, bin] of Object.entries(BINS)) {
      const result = await runBin(process.execPath, bin, ['--help'])
      expect(result.code, `${name}: ${result.stderr}`).to.equal(0)
      expect(result.stdout, name).to.include(`${name} <command>`)
    }
  })
})

describe("the daemon's V8 flags", () => {
  it("are the bin's first line and npm start's (the tests and benchmarks import them)", async () => {
    for (const file of [join(ROOT, 'node', 'src', 'cli', 'bin.ts'), BINS['qpq-node']]) {
      const [firstLine] = (await readFile(file, 'utf8')).split('\n')
      expect(firstLine, file).to.equal(DAEMON_SHEBANG)
    }
    const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(scripts.start).to.equal(`node ${DAEMON_V8_FLAGS.join(' ')} dist/node/src/cli/main.js start`)
  })
})
