// Golden reports of the simulator (issue 17): every scenario in sim/scenarios, run through the built `qpq-sim`
// bin as a user runs it (`qpq-sim run <scenario> [flags] --out <dir>`), must print and write byte for byte
// what test/fixtures/sim-golden/ holds, so that a refactor of the engine or the stores that moves any figure,
// distribution or point of a series fails here, with the first differing lines and JSON values shown.
//
// Runs, one fixture folder each (`<scenario>/<model>`; `command.txt` there gives the command):
// - `scenario`: the file as it is;
// - `daemon`: the daemon's model, `--receipts --send-order oldest --no-resend`;
// - `one`: the ONE's model (sim/README.md, "Semantic differences"), `--no-receipts --send-order random --resend`;
// a model whose three settings are the file's own is not run twice. Left out: reference-unconstrained under
// the ONE's model (its file turns `resend` off: nothing is dropped there, and a resending node's hello carries
// no digest, so the run takes three times as long) and under the daemon's (11 s more for receipts, which the
// other daemon runs cover, and the largest report).
//
// Compared: stdout (the MessageStatsReport and the oracle's line), message-stats.txt, series.csv, report.json
// and report.html, the last two kept gzipped (report.json holds every delivery's latency and every copy's
// buffer time: 1.5 MB for the epidemic reference). Not compared: stderr, one line with the run's wall time
// (`N events in T s (R events/s)`), the only output that varies between runs with the same seed; the test
// checks its form and that N is report.json's event count. Runs go as many at a time as there are CPUs,
// longest first: 60–66 CPU-seconds in all, measured on 2 CPUs shared with other work (load 8–10, 100–110 s
// wall); reference-unconstrained, the longest, takes 9 s alone on an idle machine, 19 s there. Before running,
// the test builds dist if a source is newer (`scripts/build.js --if-changed`, as `npm start` does), so the bin
// under test is never stale.
//
// Regenerate the fixtures after an intended change of the simulator's output: `npm run sim:golden`.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync, gzipSync } from 'node:zlib'
import { expect } from 'chai'
import { parse as parseToml } from 'smol-toml'

const exec = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
const SCENARIOS = 'sim/scenarios'
const FIXTURES = 'test/fixtures/sim-golden'
/** The bin as npm links it; run through its first line (`env -S node <V8 flags>`). */
const BIN = join(ROOT, 'dist', 'sim', 'src', 'bin.js')
const UPDATE = process.env.SIM_GOLDEN_UPDATE === '1'
const REGENERATE = 'npm run sim:golden'

/** Each output of a run and the fixture file that keeps it (`.gz`: gzipped). */
const FIXTURE_FILES = {
  command: 'command.txt',
  stdout: 'stdout.txt',
  'message-stats.txt': 'message-stats.txt',
  'series.csv': 'series.csv',
  'report.json': 'report.json.gz',
  'report.html': 'report.html.gz'
} as const
type Output = keyof typeof FIXTURE_FILES
/** The files `--out` writes. */
const OUT_FILES = ['message-stats.txt', 'series.csv', 'report.json', 'report.html'] as const

/** The three keys that tell the daemon's model from the ONE's. */
interface ModelKeys {
  receipts: boolean
  send_order: 'oldest' | 'random'
  resend: boolean
}
const DAEMON: ModelKeys = { receipts: true, send_order: 'oldest', resend: false }
const ONE: ModelKeys = { receipts: false, send_order: 'random', resend: true }
const MODELS = { daemon: DAEMON, one: ONE } as const
/** Model runs left out, and why (as in the top comment). */
const LEFT_OUT = new Map([
  ['reference-unconstrained/one', 'the file turns resend off; with it the run takes three times as long'],
  ['reference-unconstrained/daemon', '11 s more for receipts, which the other daemon runs cover']
])

interface Run {
  /** `<scenario>/<model>`: the fixture folder. */
  id: string
  args: string[]
}

function modelFlags(keys: ModelKeys): string[] {
  return [
    keys.receipts ? '--receipts' : '--no-receipts',
    '--send-order',
    keys.send_order,
    keys.resend ? '--resend' : '--no-resend'
  ]
}

/** Every scenario file as it is, and under each model whose three keys differ from the file's. */
async function plannedRuns(): Promise<Run[]> {
  const files = (await readdir(join(ROOT, SCENARIOS))).filter((file) => file.endsWith('.toml')).sort()
  const runs: Run[] = []
  for (const file of files) {
    const name = file.slice(0, -'.toml'.length)
    const scenario = `${SCENARIOS}/${file}`
    const keys = parseToml(await readFile(join(ROOT, scenario), 'utf8'))
    const own: ModelKeys = {
      receipts: typeof keys.receipts === 'boolean' ? keys.receipts : DAEMON.receipts,
      send_order: keys.send_order === 'random' ? 'random' : 'oldest',
      resend: typeof keys.resend === 'boolean' ? keys.resend : DAEMON.resend
    }
    runs.push({ id: `${name}/scenario`, args: ['run', scenario] })
    for (const [model, values] of Object.entries(MODELS)) {
      const id = `${name}/${model}`
      const same =
        own.receipts === values.receipts &&
        own.send_order === values.send_order &&
        own.resend === values.resend
      if (!same && !LEFT_OUT.has(id)) runs.push({ id, args: ['run', scenario, ...modelFlags(values)] })
    }
  }
  return runs
}

interface Result {
  outputs: Map<Output, string>
  stderr: string
}

async function runBin(args: string[], out: string): Promise<Result> {
  const { stdout, stderr } = await exec(BIN, [...args, '--out', out], {
    cwd: ROOT,
    // The bin's `env -S node` finds the Node.js running this test first (the system's may be too old).
    env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
    maxBuffer: 16 * 1024 * 1024
  })
  const outputs = new Map<Output, string>([
    ['command', `qpq-sim ${args.join(' ')}\n`],
    ['stdout', stdout]
  ])
  for (const file of OUT_FILES) outputs.set(file, await readFile(join(out, file), 'utf8'))
  return { outputs, stderr }
}

async function readFixture(id: string, output: Output): Promise<string | undefined> {
  const file = join(ROOT, FIXTURES, id, FIXTURE_FILES[output])
  try {
    const bytes = await readFile(file)
    return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function writeFixtures(id: string, outputs: Map<Output, string>): Promise<void> {
  const dir = join(ROOT, FIXTURES, id)
  await mkdir(dir, { recursive: true })
  for (const [output, text] of outputs) {
    const file = FIXTURE_FILES[output]
    await writeFile(join(dir, file), file.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text)
  }
}

/** Settles with each task, running at most `width` at a time, in the order given. */
function pooled<T>(tasks: (() => Promise<T>)[], width: number): Promise<T>[] {
  const starts: (() => Promise<void>)[] = []
  const settled = tasks.map(
    (task) =>
      new Promise<T>((resolve, reject) => {
        starts.push(() => task().then(resolve, reject))
      })
  )
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < starts.length) await starts[next++]!()
  }
  for (let i = 0; i < Math.min(width, starts.length); i++) void worker()
  // Each is awaited by its own test; until then a failure is no unhandled rejection.
  for (const promise of settled) promise.catch(() => undefined)
  return settled
}

/** The event count in a fixture's report.json, to start the longest runs first (0 without a fixture). */
async function fixtureEvents(id: string): Promise<number> {
  const json = await readFixture(id, 'report.json')
  return Number(/"events":(\d+)\}\s*$/.exec(json ?? '')?.[1] ?? 0)
}

const SHOWN = 8
const CONTEXT = 60

/** Where two texts differ: the first lines that do, around their first differing column; for JSON, values. */
function difference(output: Output, expected: string, actual: string): string {
  const lines = [`${output} differs:`]
  const want = expected.split('\n')
  const got = actual.split('\n')
  if (want.length !== got.length) lines.push(`  ${want.length} lines in the fixture, ${got.length} written`)
  let shown = 0
  for (let i = 0; i < Math.max(want.length, got.length) && shown < SHOWN; i++) {
    const [a, b] = [want[i], got[i]]
    if (a === b) continue
    shown++
    let column = 0
    while (column < Math.min(a?.length ?? 0, b?.length ?? 0) && a?.[column] === b?.[column]) column++
    const excerpt = (line: string | undefined): string => {
      if (line === undefined) return '(no line)'
      const start = Math.max(0, column - CONTEXT)
      const end = column + CONTEXT
      return `${start > 0 ? '…' : ''}${line.slice(start, end)}${line.length > end ? '…' : ''}`
    }
    lines.push(`  line ${i + 1}, column ${column + 1}:`, `    - ${excerpt(a)}`, `    + ${excerpt(b)}`)
  }
  if (output === 'report.json') {
    const values: string[] = []
    jsonDifferences(JSON.parse(expected), JSON.parse(actual), '', values)
    lines.push('  values that differ (fixture → written):', ...values.map((value) => `    ${value}`))
  }
  if (output === 'report.html') {
    lines.push(
      '  (with report.json the same, the rendering changed: sim/src/html-report.ts, Plot or linkedom)'
    )
  }
  return lines.join('\n')
}

function jsonDifferences(a: unknown, b: unknown, path: string, found: string[]): void {
  if (found.length >= SHOWN) return
  const show = (value: unknown): string => {
    const text = value === undefined ? '(none)' : JSON.stringify(value)
    return text.length > 80 ? `${text.slice(0, 80)}…` : text
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) found.push(`${path}: ${a.length} items → ${b.length} items`)
    for (let i = 0; i < Math.max(a.length, b.length); i++) jsonDifferences(a[i], b[i], `${path}[${i}]`, found)
  } else if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      jsonDifferences(a[key], b[key], `${path}.${key}`, found)
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    found.push(`${path}: ${show(a)} → ${show(b)}`)
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Planned as the file loads: one test per run. */
const runs = await plannedRuns()

describe('simulator golden reports (test/fixtures/sim-golden)', function () {
  this.timeout(300_000)
  const results = new Map<string, Promise<Result>>()

  before(async function () {
    this.timeout(600_000) // a build from scratch, under load
    await exec(process.execPath, ['scripts/build.js', '--if-changed'], { cwd: ROOT })
    if (UPDATE) await rm(join(ROOT, FIXTURES), { recursive: true, force: true })
    const events = new Map(
      await Promise.all(runs.map(async ({ id }) => [id, await fixtureEvents(id)] as const))
    )
    const order = [...runs].sort((a, b) => (events.get(b.id) ?? 0) - (events.get(a.id) ?? 0))
    const tasks = order.map(({ args }) => async () => {
      const out = await mkdtemp(join(tmpdir(), 'qpq-sim-golden-'))
      try {
        return await runBin(args, out)
      } finally {
        await rm(out, { recursive: true, force: true })
      }
    })
    pooled(tasks, availableParallelism()).forEach((promise, i) => results.set(order[i]!.id, promise))
  })

  after(async () => {
    await Promise.allSettled(results.values()) // no run left behind if a test failed early
  })

  it('has a fixture folder for every run planned, and no other', async function () {
    if (UPDATE) this.skip()
    const found: string[] = []
    for (const scenario of await readdir(join(ROOT, FIXTURES))) {
      for (const model of await readdir(join(ROOT, FIXTURES, scenario))) found.push(`${scenario}/${model}`)
    }
    expect(found.sort(), `fixtures out of step with sim/scenarios: run \`${REGENERATE}\``).to.deep.equal(
      runs.map(({ id }) => id).sort()
    )
  })

  for (const { id, args } of runs) {
    it(`${id}: the same reports as the fixture`, async () => {
      const result = results.get(id)
      if (result === undefined) throw new Error(`${id} was not started`)
      const { outputs, stderr } = await result
      const { events } = JSON.parse(outputs.get('report.json') ?? '{}') as { events?: number }
      expect(stderr, 'stderr: one line of timing').to.match(/^\d+ events in \d+\.\d\d s \(\d+ events\/s\)\n$/)
      expect(stderr.split(' ')[0], 'the event count on stderr').to.equal(String(events))
      if (UPDATE) return writeFixtures(id, outputs)
      const differences: string[] = []
      for (const [output, text] of outputs) {
        const expected = await readFixture(id, output)
        if (expected === undefined) differences.push(`${output}: no fixture (${FIXTURE_FILES[output]})`)
        else if (text !== expected) differences.push(difference(output, expected, text))
      }
      if (differences.length > 0) {
        expect.fail(
          [
            `qpq-sim ${args.join(' ')}: reports differ from ${FIXTURES}/${id}`,
            ...differences,
            `If the change is intended, regenerate the fixtures: ${REGENERATE}`
          ].join('\n')
        )
      }
    })
  }
})
