import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Allocator } from '../node/src/daemon/index.ts'
import { serviceUnitEnvironment } from '../node/src/daemon/service-unit.ts'
import type { Benchmark } from './benchmark.ts'
import { runWorkload } from './child.ts'
import { megabytes, met, millis, table, whole } from './format.ts'
import type { Progress } from './progress.ts'
import { WORKLOAD } from './queue-figures.ts'
import type { MemorySample, QueueFigures, QueueMessage } from './queue-figures.ts'
import { distribution, perSecond } from './stats.ts'

/** The workload script, built next to this one. */
const CHILD = join(import.meta.dirname, 'queue-store.js')

/** The systemd unit shipped in config/, seen from dist/bench. */
const SERVICE_UNIT = join(import.meta.dirname, '..', '..', 'config', 'systemd', 'qpq-node.service')

/** Longest the whole workload may take, in ms. */
const RUN_TIMEOUT_MS = 15 * 60_000

/** The aims. */
const AIM_ENQUEUE_RATE = 20_000
const AIM_RSS_GROWTH_BYTES = 30_000_000

/** A run of the workload under one malloc, with the environment that selects it. */
interface AllocatorRun {
  allocator: Allocator
  env: NodeJS.ProcessEnv
}

/** The LevelDB mesh store on its own: enqueue, memory, picking what to send, dequeue; under each malloc. */
export const queueStore: Benchmark = {
  name: 'queue store',
  async run(progress: Progress): Promise<string> {
    const runs: AllocatorRun[] = [{ allocator: 'system', env: process.env }]
    if (await hasJemalloc())
      runs.push({ allocator: 'jemalloc', env: { ...process.env, ...(await serviceEnvironment()) } })
    const results: QueueFigures[] = []
    for (const run of runs) {
      progress.step(`queue: workload under ${ALLOCATOR_NAMES[run.allocator]}`)
      const folder = await mkdtemp(join(tmpdir(), 'qpq-bench-queue-'))
      try {
        results.push(await runChild(folder, run, progress))
      } finally {
        progress.endLine()
        await rm(folder, { recursive: true, force: true })
      }
    }
    return render(results)
  }
}

const ALLOCATOR_NAMES: Record<Allocator, string> = {
  system: "glibc's malloc",
  jemalloc: 'jemalloc, as the systemd unit runs it'
}

/** Whether the dynamic linker knows jemalloc (Debian's libjemalloc2). */
async function hasJemalloc(): Promise<boolean> {
  try {
    const { stdout } = await promisify(execFile)('ldconfig', ['-p'])
    return stdout.includes('libjemalloc.so.2 ')
  } catch {
    return false
  }
}

/** The `Environment=` settings of the shipped systemd unit, so the bench measures the service as shipped. */
async function serviceEnvironment(): Promise<Record<string, string>> {
  return serviceUnitEnvironment(await readFile(SERVICE_UNIT, 'utf8'))
}

/** Runs the workload in its own process and relays its progress; resolves with its figures. */
async function runChild(folder: string, run: AllocatorRun, progress: Progress): Promise<QueueFigures> {
  const figures = await runWorkload<QueueMessage>(
    ['--expose-gc', CHILD, folder],
    { env: run.env, timeoutMs: RUN_TIMEOUT_MS, what: 'the queue workload' },
    (message) => {
      if ('step' in message) progress.step(message.step)
      else progress.update(message.update)
    }
  )
  if (figures.allocator !== run.allocator)
    throw new Error(`asked for ${run.allocator}, the workload ran on ${figures.allocator}`)
  return figures
}

/** One column per allocator run. */
type Column = (figures: QueueFigures) => string

function render(results: QueueFigures[]): string {
  return [
    '## Queue store: LevelDB enqueue, memory, next to send, dequeue',
    '',
    '### Method',
    '',
    method(),
    '',
    '### Figures',
    '',
    sideBySide(results, throughputRows()),
    '',
    ...results.flatMap((figures) => [
      `Memory under ${ALLOCATOR_NAMES[figures.allocator]}:`,
      '',
      memory(figures),
      '',
      memoryNote(figures),
      ''
    ]),
    sideBySide(results, pickingRows()),
    '',
    '### Aims',
    '',
    aims(results)
  ].join('\n')
}

/** A table of figures with one column per allocator run. */
function sideBySide(results: QueueFigures[], rows: [string, Column][]): string {
  return table(
    ['figure', ...results.map((figures) => ALLOCATOR_NAMES[figures.allocator])],
    rows.map(([label, column]) => [label, ...results.map(column)])
  )
}

function method(): string {
  const { envelopes, firstMemoryAt, opsPerApply, appliesInFlight, chunk, requestIds, requestRounds } =
    WORKLOAD
  return [
    `One child process (\`node --expose-gc dist/bench/queue-store.js\`, so its memory is the store's and ` +
      `the engine's alone) opens a \`LevelStore\` in a fresh temporary folder and puts ${whole(envelopes)} ` +
      `relay envelopes built with \`createEnvelopeContent\`: ${WORKLOAD.payloadBytes}-byte random payloads ` +
      `(incompressible, like ciphertext), ${WORKLOAD.tagBytes}-byte recipient tags spread over ` +
      `${whole(WORKLOAD.recipients)} recipients, 10 % critical / 70 % normal / 20 % low, received from ` +
      `${WORKLOAD.fromPeers} distinct peers (real Ed25519 peer ids), expiring in a week. They are generated ` +
      `${whole(chunk)} at a time outside the timed span, then put with \`apply\` in batches of ` +
      `${whole(opsPerApply)} \`put-envelope\` ops, ${appliesInFlight} applies in flight (the store ` +
      `group-commits whatever arrives while a batch is syncing: each LevelDB batch is written with ` +
      `\`sync: true\`). The rate is the envelopes over the summed time of those applies. For comparison, ` +
      `${whole(WORKLOAD.oneAtATime)} more go into a second fresh store with one awaited \`apply\` of one op ` +
      `each (one fsync each). Bytes on disk are the summed sizes of the files in the store's folder, read ` +
      `while it is open.`,
    '',
    `Memory is read in the child when it is idle: 2 s after the step before it (time for a compaction ` +
      `LevelDB is running to end), after two forced full GCs of V8's last-resort flavour (\`gc({ type: ` +
      `'major', flavor: 'last-resort' })\`, which also hands emptied heap pages back to the OS: a plain ` +
      `\`gc()\` leaves V8's heap as large as the generation peaks made it), then polling RSS every 0.5 s until ` +
      `it falls by less than 1 MB between two polls (at most 10 s: jemalloc returns freed pages on a timer), ` +
      `with no envelope of the workload still reachable: ` +
      `once the store is open and empty, once ${whole(firstMemoryAt)} and once ${whole(envelopes)} ` +
      `envelopes are stored, once the engine has offered them all (the offer frames still held), and once ` +
      `the store is closed after the dequeue (LevelDB has freed its memtables and caches by then). RSS is ` +
      `\`process.memoryUsage().rss\`; its anonymous and file-mapped parts are \`RssAnon\` and \`RssFile\` ` +
      `from \`/proc/self/status\` (file-mapped: the node binary, about 50 MB, and the pages of LevelDB tables ` +
      `read through \`mmap\`). External is V8's count of buffer memory.`,
    '',
    `With ${whole(envelopes)} stored: the latency of the first item of \`summaries('send')\` (iterator ` +
      `created, first summary read, iterator closed; ${WORKLOAD.firstSummaryRounds} times), a full walk of ` +
      `\`summaries('send')\`, then a \`MeshEngine\` over the store (a local endpoint taking delivery of ` +
      `nothing, \`Date.now()\` clock, default policy, epidemic strategy) gets \`contact-up\` for peer P, then a ` +
      `frame from P holding only \`hello\` with no tags. The engine walks the send order and answers with one ` +
      `batch of offers, then another each time P asks for more (\`moreOffers\`, sent here at once): timed to ` +
      `the first batch and to the last. Then ` +
      `P requests the first ${requestRounds} × ${requestIds} offered ids, one \`requests\` frame of ` +
      `${requestIds} at a time, each timed until the \`envelopes\` frames come back (each checked complete).`,
    '',
    `The whole workload runs twice, side by side in one \`npm run bench\`: once on glibc's malloc (what a ` +
      `plain \`node\` uses) and once with the \`Environment=\` lines of \`config/systemd/qpq-node.service\` ` +
      `(read from the unit file: jemalloc preloaded, freed pages returned at once), as the service runs the ` +
      `daemon; that run is left out if \`ldconfig -p\` does not list libjemalloc.so.2 (Debian: libjemalloc2). ` +
      `Each child checks in \`/proc/self/maps\` which malloc it runs on.`,
    '',
    `Dequeue walks \`summaries('send')\` and deletes everything with \`delete-envelope\` ops in batches of ` +
      `${whole(opsPerApply)}, ${appliesInFlight} applies in flight; the time includes the walk. LevelDB ` +
      `keeps deleted data (and writes tombstones) until a compaction merges it away, so the folder is ` +
      `measured right after the deletes (the store starts a full compaction of its own once enough content ` +
      `has been deleted, and LevelDB compacts as its levels fill: either may be running then), and again ` +
      `after the store is closed and the folder reopened for a full manual \`compactRange\`.`
  ].join('\n')
}

function throughputRows(): [string, Column][] {
  const { envelopes, oneAtATime, opsPerApply, appliesInFlight } = WORKLOAD
  return [
    [
      `enqueue ${whole(envelopes)}, ${whole(opsPerApply)} ops per apply, ${appliesInFlight} in flight`,
      (figures) => rate(envelopes, figures.enqueueMs)
    ],
    [
      `enqueue ${whole(oneAtATime)}, one awaited apply each`,
      (figures) => rate(oneAtATime, figures.oneAtATimeMs)
    ],
    [
      'on disk after the enqueue',
      (figures) =>
        `${megabytes(figures.diskAfterEnqueue)} (${whole(figures.diskAfterEnqueue / envelopes)} B per ` +
        `envelope, content ${megabytes(figures.contentBytes)})`
    ],
    [`dequeue all ${whole(envelopes)} (walk + deletes)`, (figures) => rate(envelopes, figures.dequeueMs)],
    [
      'on disk right after the dequeue (deleted data stays until compacted)',
      (figures) => megabytes(figures.diskAfterDequeue)
    ],
    ['on disk after a full manual compaction', (figures) => megabytes(figures.diskAfterCompaction)]
  ]
}

function memory(figures: QueueFigures): string {
  const { empty, first, all, offered, closed } = figures.memory
  const row = (what: string, sample: MemorySample): string[] => [
    what,
    megabytes(sample.rss),
    megabytes(sample.rssAnon),
    megabytes(sample.rssFile),
    megabytes(sample.heapUsed),
    megabytes(sample.external)
  ]
  const difference = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined ? undefined : a - b
  return table(
    ['child process', 'RSS', 'anonymous', 'file-mapped', 'JS heap used', 'external'],
    [
      row('store open, empty', empty),
      row(`${whole(WORKLOAD.firstMemoryAt)} envelopes stored`, first),
      row(`${whole(WORKLOAD.envelopes)} envelopes stored`, all),
      [
        `growth from ${whole(WORKLOAD.firstMemoryAt)} to ${whole(WORKLOAD.envelopes)}`,
        megabytes(all.rss - first.rss),
        megabytes(difference(all.rssAnon, first.rssAnon)),
        megabytes(difference(all.rssFile, first.rssFile)),
        megabytes(all.heapUsed - first.heapUsed),
        megabytes(all.external - first.external)
      ],
      row(`the engine offered all ${whole(WORKLOAD.envelopes)}`, offered),
      row('all dequeued, store closed', closed)
    ]
  )
}

/** Where the growth lies, from the figures: the JS heap per envelope, and what outlives the store. */
function memoryNote(figures: QueueFigures): string {
  const { first, all, closed } = figures.memory
  const heapGrowth = all.heapUsed - first.heapUsed
  const added = WORKLOAD.envelopes - WORKLOAD.firstMemoryAt
  return (
    `Of the RSS growth from ${whole(WORKLOAD.firstMemoryAt)} to ${whole(WORKLOAD.envelopes)} envelopes, ` +
    `${megabytes(heapGrowth)} is JS heap (${whole(heapGrowth / added)} B per envelope: the store keeps ` +
    `every id in memory); the rest is native. Once the store is closed (LevelDB's memtables and caches ` +
    `freed, the JS heap back to ${megabytes(closed.heapUsed)}) the process still holds ` +
    `${megabytes(closed.rss)} RSS, ${megabytes(closed.rssAnon)} of it anonymous, against ` +
    `${megabytes(all.rss)} and ${megabytes(all.rssAnon)} with ${whole(WORKLOAD.envelopes)} stored: what ` +
    `stays is memory the allocator kept from the workload, not data of the store.`
  )
}

function pickingRows(): [string, Column][] {
  const { envelopes, requestIds, firstSummaryRounds } = WORKLOAD
  return [
    [
      `with ${whole(envelopes)} stored: first item of \`summaries('send')\`, first call / median of the ` +
        `next ${firstSummaryRounds - 1}`,
      (figures) => {
        const [cold, ...warm] = figures.firstSummaryMs
        return `${millis(cold ?? NaN)} / ${millis(distribution(warm).p50)}`
      }
    ],
    ["walk all of `summaries('send')` (store only)", (figures) => millis(figures.walkMs)],
    ['engine: `hello` in → first batch of offers out', (figures) => millis(figures.firstOffersMs)],
    [
      `engine: all ${whole(envelopes)} ids offered`,
      (figures) => `${millis(figures.allOffersMs)} in ${figures.offerBatches} batches`
    ],
    [
      `engine: request for ${requestIds} ids in → \`envelopes\` frames out: first / median / max`,
      (figures) => {
        const requests = distribution(figures.requestMs)
        return (
          `${millis(figures.requestMs[0] ?? NaN)} / ${millis(requests.p50)} / ${millis(requests.max)} ` +
          `(${figures.envelopeFrames} frames)`
        )
      }
    ]
  ]
}

function aims(results: QueueFigures[]): string {
  return table(
    ['aim', 'malloc', 'measured', 'met'],
    results.flatMap((figures) => {
      const enqueueRate = perSecond(WORKLOAD.envelopes, figures.enqueueMs)
      const growth = figures.memory.all.rss - figures.memory.first.rss
      const name = ALLOCATOR_NAMES[figures.allocator]
      return [
        [
          `over ${whole(AIM_ENQUEUE_RATE)} enqueues/s, batched`,
          name,
          `${whole(enqueueRate)} envelopes/s`,
          met(enqueueRate > AIM_ENQUEUE_RATE)
        ],
        [
          `RSS growth under ${megabytes(AIM_RSS_GROWTH_BYTES)} from ${whole(WORKLOAD.firstMemoryAt)} to ` +
            `${whole(WORKLOAD.envelopes)} stored envelopes`,
          name,
          megabytes(growth),
          met(growth < AIM_RSS_GROWTH_BYTES)
        ]
      ]
    })
  )
}

function rate(count: number, ms: number): string {
  return `${whole(perSecond(count, ms))} envelopes/s (${millis(ms)})`
}
