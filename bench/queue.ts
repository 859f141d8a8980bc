import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Benchmark } from './benchmark.ts'
import { OutputTail, stopChild } from './child.ts'
import { megabytes, met, millis, table, whole } from './format.ts'
import type { Progress } from './progress.ts'
import { WORKLOAD } from './queue-figures.ts'
import type { MemorySample, QueueFigures, QueueMessage } from './queue-figures.ts'
import { distribution, perSecond } from './stats.ts'

/** The workload script, built next to this one. */
const CHILD = join(import.meta.dirname, 'queue-store.js')

/** Longest the whole workload may take, in ms. */
const RUN_TIMEOUT_MS = 15 * 60_000

/** The aims. */
const AIM_ENQUEUE_RATE = 20_000
const AIM_RSS_GROWTH_BYTES = 30_000_000

/** The LevelDB mesh store on its own: enqueue, memory, picking what to send, dequeue. */
export const queueStore: Benchmark = {
  name: 'queue store',
  async run(progress: Progress): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), 'qpq-bench-queue-'))
    try {
      return render(await runChild(folder, progress))
    } finally {
      progress.endLine()
      await rm(folder, { recursive: true, force: true })
    }
  }
}

/** Runs the workload in its own process and relays its progress; resolves with its figures. */
async function runChild(folder: string, progress: Progress): Promise<QueueFigures> {
  const child = spawn(process.execPath, ['--expose-gc', CHILD, folder], { stdio: ['ignore', 'pipe', 'pipe'] })
  const stderr = new OutputTail()
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk)
  })
  const deadline = setTimeout(() => {
    stderr.push(`\n[killed by the bench: no figures within ${RUN_TIMEOUT_MS} ms]`)
    child.kill('SIGKILL')
  }, RUN_TIMEOUT_MS)
  let figures: QueueFigures | undefined
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const message = JSON.parse(line) as QueueMessage
      if ('step' in message) progress.step(message.step)
      else if ('update' in message) progress.update(message.update)
      else figures = message.figures
    }
  } finally {
    clearTimeout(deadline)
    await stopChild(child)
  }
  if (figures === undefined)
    throw new Error(`the queue workload stopped without figures:\n${stderr.toString()}`)
  return figures
}

function render(figures: QueueFigures): string {
  return [
    '## Queue store: LevelDB enqueue, memory, next to send, dequeue',
    '',
    '### Method',
    '',
    method(),
    '',
    '### Figures',
    '',
    throughput(figures),
    '',
    memory(figures),
    '',
    memoryNote(figures),
    '',
    picking(figures),
    '',
    '### Aims',
    '',
    aims(figures)
  ].join('\n')
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
    `Memory is read in the child 2 s after the step before it (time for a compaction LevelDB is running to ` +
      `end), after two forced full GCs of V8's last-resort flavour (\`gc({ type: 'major', flavor: ` +
      `'last-resort' })\`, which also hands emptied heap pages back to the OS: a plain \`gc()\` leaves V8's ` +
      `heap as large as the generation peaks made it), with no envelope of the workload still reachable: ` +
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
    `Dequeue walks \`summaries('send')\` and deletes everything with \`delete-envelope\` ops in batches of ` +
      `${whole(opsPerApply)}, ${appliesInFlight} applies in flight; the time includes the walk. LevelDB ` +
      `keeps deleted data (and writes tombstones) until a compaction merges it away, so the folder is ` +
      `measured right after the deletes (the store starts a full compaction of its own once enough content ` +
      `has been deleted, and LevelDB compacts as its levels fill: either may be running then), and again ` +
      `after the store is closed and the folder reopened for a full manual \`compactRange\`.`
  ].join('\n')
}

function throughput(figures: QueueFigures): string {
  const { envelopes, oneAtATime } = WORKLOAD
  return table(
    ['figure', 'value'],
    [
      [
        `enqueue ${whole(envelopes)}, ${whole(WORKLOAD.opsPerApply)} ops per apply, ${WORKLOAD.appliesInFlight} in flight`,
        rate(envelopes, figures.enqueueMs)
      ],
      [`enqueue ${whole(oneAtATime)}, one awaited apply each`, rate(oneAtATime, figures.oneAtATimeMs)],
      [
        `on disk after the enqueue (envelope content: ${megabytes(figures.contentBytes)})`,
        `${megabytes(figures.diskAfterEnqueue)} (${whole(figures.diskAfterEnqueue / envelopes)} B per envelope)`
      ],
      [`dequeue all ${whole(envelopes)} (walk + deletes)`, rate(envelopes, figures.dequeueMs)],
      [
        'on disk right after the dequeue (deleted data stays until compacted)',
        megabytes(figures.diskAfterDequeue)
      ],
      ['on disk after a full manual compaction', megabytes(figures.diskAfterCompaction)]
    ]
  )
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

function picking(figures: QueueFigures): string {
  const [coldSummary, ...warmSummaries] = figures.firstSummaryMs
  const [firstRequest] = figures.requestMs
  if (coldSummary === undefined || firstRequest === undefined) throw new Error('no timings')
  const requests = distribution(figures.requestMs)
  return table(
    [`with ${whole(WORKLOAD.envelopes)} stored`, 'time'],
    [
      [
        "first item of `summaries('send')`: first call / median of the next " + `${warmSummaries.length}`,
        `${millis(coldSummary)} / ${millis(distribution(warmSummaries).p50)}`
      ],
      ["walk all of `summaries('send')` (store only)", millis(figures.walkMs)],
      ['engine: `hello` in → first batch of offers out', millis(figures.firstOffersMs)],
      [
        `engine: all ${whole(figures.offeredIds)} ids offered, in ${figures.offerBatches} batches`,
        millis(figures.allOffersMs)
      ],
      [
        `engine: request for ${WORKLOAD.requestIds} ids in → ${figures.envelopeFrames} \`envelopes\` ` +
          `frames out: first / median / max of ${figures.requestMs.length}`,
        `${millis(firstRequest)} / ${millis(requests.p50)} / ${millis(requests.max)}`
      ]
    ]
  )
}

function aims(figures: QueueFigures): string {
  const enqueueRate = perSecond(WORKLOAD.envelopes, figures.enqueueMs)
  const growth = figures.memory.all.rss - figures.memory.first.rss
  return table(
    ['aim', 'measured', 'met'],
    [
      [
        `over ${whole(AIM_ENQUEUE_RATE)} enqueues/s, batched`,
        `${whole(enqueueRate)} envelopes/s`,
        met(enqueueRate > AIM_ENQUEUE_RATE)
      ],
      [
        `RSS growth under ${megabytes(AIM_RSS_GROWTH_BYTES)} from ${whole(WORKLOAD.firstMemoryAt)} to ` +
          `${whole(WORKLOAD.envelopes)} stored envelopes`,
        megabytes(growth),
        met(growth < AIM_RSS_GROWTH_BYTES)
      ]
    ]
  )
}

function rate(count: number, ms: number): string {
  return `${whole(perSecond(count, ms))} envelopes/s (${millis(ms)})`
}
