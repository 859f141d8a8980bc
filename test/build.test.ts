import { execFile } from 'node:child_process'
import { cp, stat, symlink, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { TestFolders } from './helpers/daemons.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
/** What a clone holds that the build reads; node_modules is linked, not copied. */
const CLONED = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'node', 'sim', 'bench']

describe("npm start's build", function () {
  this.timeout(120_000)
  const folders = new TestFolders()
  after(async () => {
    await folders.removeAll()
  })

  it('runs when dist is missing or older than a source, and is skipped while dist is newer than every source', async () => {
    const clone = await folders.make('qpq-build-')
    await Promise.all(CLONED.map((path) => cp(join(ROOT, path), join(clone, path), { recursive: true })))
    await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'))
    const buildIfChanged = () => run(process.execPath, ['scripts/build.js', '--if-changed'], { cwd: clone })
    const built = join(clone, 'dist', '.built')
    const bin = join(clone, 'dist', 'node', 'src', 'cli', 'bin.js')

    await buildIfChanged()
    const first = await stat(built)
    expect((await stat(bin)).mode & 0o111, 'the bin is executable').to.equal(0o111)

    await buildIfChanged()
    expect((await stat(built)).mtimeMs, 'no build: nothing changed').to.equal(first.mtimeMs)

    const source = join(clone, 'node', 'src', 'cli', 'paths.ts')
    const later = new Date(first.mtimeMs + 1000)
    await utimes(source, later, later)
    await buildIfChanged()
    expect((await stat(built)).mtimeMs, 'built again: a source changed').to.be.above(first.mtimeMs)
  })
})
