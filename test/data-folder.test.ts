import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { cli, ok, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'

/** Every file and folder under `dir` (the folder itself included) with its permission bits. */
async function modes(dir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>([[dir, (await stat(dir)).mode & 0o777]])
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name)
    found.set(path, (await stat(path)).mode & 0o777)
  }
  return found
}

function notOwnerOnly(found: Map<string, number>): string[] {
  return [...found]
    .filter(([, mode]) => (mode & 0o077) !== 0)
    .map(([path, mode]) => `${path} ${mode.toString(8)}`)
}

describe('the data folder', function () {
  this.timeout(60_000)
  const folders = new TestFolders()
  let umask: number

  // Daemons and the CLI inherit the umask of the test process: the common 022, under which LevelDB's files
  // would be world-readable.
  before(() => {
    umask = process.umask(0o022)
  })

  after(async () => {
    process.umask(umask)
    await folders.removeAll()
  })

  it('is made owner-only under umask 022, every file LevelDB writes included, and init says so', async () => {
    const parent = await folders.make('qpq-modes-')
    const data = join(parent, 'new')
    const node = TestDaemon.at('modes', data)
    const init = await cli(['init', '--data', data])
    expect(init.code, init.stderr).to.equal(0)
    expect(init.stdout).to.contain(`made the data folder ${data}, owner-only (0700)`)
    await node.start({ transport: 'tcp' })
    try {
      const address = (await ok(node, 'id', '--field', 'address')).trim()
      await ok(node, 'send', address, 'a text that ends in the inbox, on disk')
      await waitFor('the text in the inbox', async () => {
        const inbox = await ok(node, 'inbox', '--json')
        return inbox.includes('on disk') ? true : undefined
      })
      const found = await modes(data)
      expect([...found.keys()].filter((path) => path.includes(join(data, 'store', '')))).to.not.be.empty
      expect(notOwnerOnly(found)).to.deep.equal([])
    } finally {
      await node.stop()
    }
  })

  it('that others can read is refused by init and start in one line, and used once --fix-permissions mends it', async () => {
    const data = await folders.make('qpq-open-')
    await chmod(data, 0o755)
    for (const command of [['init'], ['start', '--no-mdns']]) {
      const refused = await cli([...command, '--data', data])
      expect(refused.code, command[0]).to.equal(2)
      expect(refused.stderr.trim().split('\n')).to.have.length(1)
      expect(refused.stderr).to.contain(`data folder ${data} (mode 0755) can be read by others`)
      expect(refused.stderr).to.contain('--fix-permissions')
    }
    expect(await readdir(data)).to.deep.equal([])
    const fixed = await cli(['init', '--data', data, '--fix-permissions'])
    expect(fixed.code, fixed.stderr).to.equal(0)
    expect(fixed.stdout).to.contain(`made 1 file or folder in ${data} owner-only`)
    expect(notOwnerOnly(await modes(data))).to.deep.equal([])
  })

  it('refuses a key file others can read, and makes looser files deeper inside owner-only on its own', async () => {
    const data = await folders.make('qpq-key-')
    expect((await cli(['init', '--data', data])).code).to.equal(0)
    await chmod(join(data, 'identity.key'), 0o644)
    const refused = await cli(['start', '--data', data, '--no-mdns'])
    expect(refused.code).to.equal(2)
    expect(refused.stderr).to.contain(
      `key file ${join(data, 'identity.key')} (mode 0644) can be read by others`
    )
    await chmod(join(data, 'identity.key'), 0o600)

    await mkdir(join(data, 'store'), { mode: 0o755 })
    await writeFile(join(data, 'store', 'LOG'), 'left by an older version', { mode: 0o644 })
    const node = TestDaemon.at('deeper', data)
    await node.start({ transport: 'tcp' })
    await node.stop()
    expect(node.log).to.contain(`made 2 files and folders in ${data} owner-only`)
    expect(notOwnerOnly(await modes(data))).to.deep.equal([])
  })
})
