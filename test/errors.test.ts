import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect } from 'chai'
import { ControlServer, callDaemon, controlSocketPath, RemoteError } from '../node/src/api/index.ts'
import { EXIT_FAILURE, EXIT_STATUS, EXIT_USAGE, exitStatusOf } from '../node/src/cli/errors.ts'
import { GroupCommandError } from '../node/src/mls/errors.ts'
import { codeOf, INTERNAL_ERROR_CODE } from '../node/src/qpq-error.ts'
import { TestFolders } from './helpers/daemons.ts'

const SOURCE = join(import.meta.dirname, '..', 'node', 'src')
const ERRORS_PAGE = join(import.meta.dirname, '..', 'docs', 'errors.md')

interface ErrorClass {
  readonly name: string
  readonly prototype: Error
}

/**
 * Imports a module of node/src by path. Classes are compared by identity only among modules imported so:
 * under tsx a static import and a dynamic one of the same file can be two instances.
 */
async function importSource(...path: string[]): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(join(SOURCE, ...path)).href)) as Record<string, unknown>
}

/** Each Error class exported by a folder's `index.ts` or `errors.ts` under node/src, with the folder. */
async function exportedErrorClasses(): Promise<Map<ErrorClass, { folder: string; exportedAs: string }>> {
  const classes = new Map<ErrorClass, { folder: string; exportedAs: string }>()
  const folders = await readdir(SOURCE, { withFileTypes: true })
  for (const folder of folders.filter((entry) => entry.isDirectory()).map((entry) => entry.name)) {
    const files = await readdir(join(SOURCE, folder))
    for (const file of ['index.ts', 'errors.ts'].filter((name) => files.includes(name))) {
      const module = await importSource(folder, file)
      for (const [exportedAs, value] of Object.entries(module)) {
        if (typeof value === 'function' && value.prototype instanceof Error)
          classes.set(value, { folder, exportedAs })
      }
    }
  }
  return classes
}

/** The class's own `static code`; `undefined` for a layer base (and `RemoteError`, which carries another's). */
function ownCode(errorClass: ErrorClass): string | undefined {
  return Object.hasOwn(errorClass, 'code') ? (errorClass as unknown as { code: string }).code : undefined
}

describe('errors', function () {
  let classes: Map<ErrorClass, { folder: string; exportedAs: string }>
  let root: unknown
  let remote: unknown
  before(async () => {
    classes = await exportedErrorClasses()
    root = (await importSource('qpq-error.ts')).QpqError
    remote = (await importSource('api', 'errors.ts')).RemoteError
  })

  /** The base of a class's layer: its ancestor (or itself) right below `QpqError`. */
  function layerBase(errorClass: ErrorClass): unknown {
    let current: unknown = errorClass
    while (current !== null && Object.getPrototypeOf(current) !== root)
      current = Object.getPrototypeOf(current)
    return current
  }

  it('every error class exported in node/src extends QpqError and is named as exported', () => {
    expect(classes.size).to.be.above(25)
    for (const [errorClass, { folder, exportedAs }] of classes) {
      expect(errorClass.prototype, `${folder}: ${exportedAs}`).to.be.instanceOf(root)
      expect(errorClass.name, `${folder}: ${exportedAs}`).to.equal(exportedAs)
    }
  })

  it('gives every concrete class a code of its own, unique, and one base per layer', () => {
    const codes = new Map<string, string>()
    const bases = new Map<string, Set<unknown>>()
    for (const [errorClass, { folder, exportedAs }] of classes) {
      const base = layerBase(errorClass)
      bases.set(folder, (bases.get(folder) ?? new Set()).add(base))
      const code = ownCode(errorClass)
      if (code === undefined) {
        if (errorClass !== remote) expect(errorClass, `${exportedAs} has no code`).to.equal(base)
        continue
      }
      expect(code).to.match(/^E_[A-Z0-9]+(_[A-Z0-9]+)+$/)
      expect(code).to.not.equal(INTERNAL_ERROR_CODE)
      expect(codes.get(code), `${code} of ${exportedAs}`).to.be.oneOf([undefined, exportedAs])
      codes.set(code, exportedAs)
    }
    for (const [folder, found] of bases) expect(found.size, `layer bases of ${folder}`).to.equal(1)
  })

  it("the CLI's table gives an exit status to every code, and to no other", () => {
    const codes = new Set([...classes.keys()].map(ownCode).filter((code) => code !== undefined))
    expect(Object.keys(EXIT_STATUS).sort()).to.deep.equal([...codes, INTERNAL_ERROR_CODE].sort())
    for (const status of Object.values(EXIT_STATUS)) expect(status).to.be.oneOf([EXIT_FAILURE, EXIT_USAGE])
  })

  it('docs/errors.md lists the codes with the exit statuses of the table', async () => {
    const rows = new Map<string, number>()
    for (const [, code, exit] of (await readFile(ERRORS_PAGE, 'utf8')).matchAll(/^\| `(E_\w+)` +\| (\d) /gm))
      rows.set(code!, Number(exit))
    expect(Object.fromEntries(rows)).to.deep.equal(EXIT_STATUS)
  })

  it('maps an error to its exit status: its code, the daemon-side code, or 1', () => {
    const groupCommand = new GroupCommandError('no group named x')
    expect(groupCommand.code).to.equal('E_MLS_GROUP_COMMAND')
    expect(groupCommand.name).to.equal('GroupCommandError')
    expect(exitStatusOf(groupCommand)).to.equal(EXIT_USAGE)
    expect(
      exitStatusOf(new RemoteError('GroupCommandError', 'no group named x', 'E_MLS_GROUP_COMMAND'))
    ).to.equal(EXIT_USAGE)
    expect(exitStatusOf(new RemoteError('FancyError', 'a newer daemon', 'E_NOT_KNOWN_HERE'))).to.equal(1)
    expect(exitStatusOf(new RemoteError('TypeError', 'a bug'))).to.equal(1)
    expect(exitStatusOf(new TypeError('a bug'))).to.equal(1)
    expect(codeOf(new TypeError('a bug'))).to.equal(INTERNAL_ERROR_CODE)
    expect(exitStatusOf('not an Error')).to.equal(1)
  })

  it('keeps the cause', () => {
    const cause = new Error('the reason')
    expect(new GroupCommandError('failed', { cause }).cause).to.equal(cause)
  })

  describe('over the control socket', function () {
    const folders = new TestFolders()
    let server: ControlServer | undefined
    afterEach(async () => {
      await server?.stop()
    })
    after(async () => {
      await folders.removeAll()
    })

    it("carries the error's code, and E_INTERNAL for an error without one", async () => {
      const path = controlSocketPath(await folders.make('qpq-errors-'))
      server = new ControlServer({
        path,
        handlers: {
          group: () => Promise.reject(new GroupCommandError('no group named x')),
          bug: () => Promise.reject(new TypeError('x is undefined'))
        }
      })
      await server.start()
      const group = (await callDaemon(path, 'group').catch((err: unknown) => err)) as RemoteError
      expect(group).to.be.instanceOf(RemoteError)
      expect(group).to.include({
        name: 'RemoteError',
        remoteName: 'GroupCommandError',
        code: 'E_MLS_GROUP_COMMAND',
        message: 'no group named x'
      })
      const bug = (await callDaemon(path, 'bug').catch((err: unknown) => err)) as RemoteError
      expect(bug).to.include({
        remoteName: 'TypeError',
        code: INTERNAL_ERROR_CODE,
        message: 'x is undefined'
      })
    })
  })
})
