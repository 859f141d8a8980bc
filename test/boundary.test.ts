import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect } from 'chai'
import ts from 'typescript'

/**
 * The pure core's boundary (issue 17), checked on the import graph: what the simulator loads, followed from its
 * modules through every relative import (static, `export … from` and `import()`), never reaches libp2p, LevelDB,
 * sockets, timers or the folders that do I/O, reads files only in its CLI modules, and enters the engine's and the
 * queue's folders only through their index.ts. eslint.config.js holds each file to the same rules one import at a
 * time; this follows them transitively. Modules are parsed, not loaded.
 */

const ROOT = resolve(import.meta.dirname, '..')
const SIM = join(ROOT, 'sim', 'src')
/** More files than the simulator and everything it could reach in the repository: the walk stops there. */
const MAX_FILES = 400

/** Packages and built-in modules the core may not load (the same patterns as eslint.config.js). */
const FORBIDDEN_PACKAGES = [
  /^(libp2p|@libp2p\/.*|@chainsafe\/.*)$/,
  /^(classic-level|level)(\/.*)?$/,
  /^(node:)?(net|timers)(\/.*)?$/
]
const FILES = /^(node:)?fs(\/.*)?$/
/** The simulator's CLI modules: they read scenario and trace files and write reports (eslint.config.js too). */
const SIM_FILE_MODULES = ['sim/src/bin.ts', 'sim/src/cli.ts', 'sim/src/run.ts', 'sim/src/scenario.ts']
/** Folders of node/src that touch the world. */
const IO_FOLDERS = /^node\/src\/(transport[^/]*|storage|daemon|api)\//
/** Folders entered only through their index.ts. */
const THROUGH_INDEX = ['node/src/mesh', 'node/src/queue']

interface Edge {
  /** The importing file, relative to the repository. */
  from: string
  /** The specifier as written. */
  specifier: string
  /** The imported file, relative to the repository, for a relative specifier. */
  to?: string
}

/** Every import of the modules reachable from `entries` through relative imports of .ts files. */
function importGraph(entries: string[]): { files: Set<string>; edges: Edge[] } {
  const files = new Set<string>()
  const edges: Edge[] = []
  const waiting = entries.map((entry) => resolve(ROOT, entry))
  for (let file = waiting.pop(); file !== undefined; file = waiting.pop()) {
    const name = relative(ROOT, file)
    if (files.has(name)) continue
    files.add(name)
    if (files.size > MAX_FILES)
      throw new Error(`more than ${MAX_FILES} modules reached from ${entries.join(', ')}`)
    // Imports, exports from and dynamic imports with literal specifiers; type-only imports too (stricter).
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) {
        edges.push({ from: name, specifier })
        continue
      }
      const target = resolve(dirname(file), specifier)
      if (!existsSync(target)) throw new Error(`${name} imports ${specifier}, which does not exist`)
      edges.push({ from: name, specifier, to: relative(ROOT, target) })
      if (target.endsWith('.ts')) waiting.push(target)
    }
  }
  return { files, edges }
}

/** The imports of `edges` that break the boundary, one line each. */
function violations(edges: Edge[]): string[] {
  const found: string[] = []
  for (const { from, specifier, to } of edges) {
    if (to === undefined) {
      if (FORBIDDEN_PACKAGES.some((pattern) => pattern.test(specifier)))
        found.push(`${from} loads ${specifier}`)
      if (FILES.test(specifier) && !SIM_FILE_MODULES.includes(from)) found.push(`${from} loads ${specifier}`)
      continue
    }
    if (IO_FOLDERS.test(to)) found.push(`${from} loads ${to}`)
    for (const folder of THROUGH_INDEX) {
      const inside = (path: string) => path.startsWith(`${folder}/`)
      if (inside(to) && !inside(from) && to !== `${folder}/index.ts`) {
        found.push(`${from} reaches into ${to} instead of ${folder}/index.ts`)
      }
    }
  }
  return found
}

const simModules = readdirSync(SIM)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => join('sim', 'src', file))

describe('the boundary of the pure core', function () {
  const sim = importGraph(simModules)

  it("follows the simulator's imports into the engine and the queue", () => {
    // Not vacuous: the walk reaches the engine, the memory store and the wire format through the indexes.
    expect([...sim.files]).to.include.members([
      'sim/src/bin.ts',
      'sim/src/simulator.ts',
      'node/src/mesh/index.ts',
      'node/src/mesh/engine.ts',
      'node/src/queue/index.ts',
      'node/src/queue/memory-store.ts',
      'node/src/wire/index.ts'
    ])
  })

  it('reaches no libp2p, LevelDB, socket, timer or I/O folder, files only from the CLI, mesh and queue only through index.ts', () => {
    expect(violations(sim.edges)).to.deep.equal([])
  })

  it('finds what the daemon loads and the simulator must not', () => {
    // The same walk from the daemon sees libp2p, LevelDB, files and the I/O folders: the check can fail.
    const found = violations(importGraph(['node/src/daemon/index.ts']).edges)
    for (const expected of [
      'node/src/transport/libp2p.ts loads libp2p',
      'node/src/storage/level-store.ts loads classic-level',
      'node/src/daemon/daemon.ts loads node/src/storage/index.ts',
      'node/src/daemon/data-lock.ts loads node:fs/promises'
    ]) {
      expect(found).to.include(expected)
    }
  })

  it("loads each core index with import(): no export named `then` makes the module's namespace a thenable", async () => {
    for (const folder of [...THROUGH_INDEX, 'node/src/wire']) {
      const module = (await import(pathToFileURL(join(ROOT, folder, 'index.ts')).href)) as Record<
        string,
        unknown
      >
      expect(module, folder).to.not.have.property('then')
      expect(Object.keys(module), folder).to.not.be.empty
    }
  })

  it('loads the I/O folders from nowhere in the core, and each core folder holds an index.ts', () => {
    for (const folder of THROUGH_INDEX)
      expect(existsSync(join(ROOT, folder, 'index.ts')), folder).to.equal(true)
    const core = importGraph(THROUGH_INDEX.map((folder) => `${folder}/index.ts`))
    expect(violations(core.edges)).to.deep.equal([])
  })
})
