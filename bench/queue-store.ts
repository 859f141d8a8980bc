/**
 * The queue benchmark's workload, run by queue.ts as its own process (`node --expose-gc queue-store.js
 * <folder>`) so that its memory is the store's alone. Works in `<folder>`, which the parent removes. Prints
 * one JSON {@link QueueMessage} per line: progress, then the figures.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { detectAllocator } from '../node/src/daemon/allocator.ts'
import { MeshEngine, meshFrame } from '../node/src/mesh/index.ts'
import type { EngineAction, MeshFrame } from '../node/src/mesh/index.ts'
import type { MeshStore, StoreOp } from '../node/src/queue/index.ts'
import { LevelStore } from '../node/src/storage/index.ts'
import { memoryBytes, sleep } from './child.ts'
import { RelayEnvelopes } from './queue-envelopes.ts'
import { WORKLOAD } from './queue-figures.ts'
import type { MemorySample, QueueFigures, QueueMessage } from './queue-figures.ts'

/** The peer in contact with the engine. */
const PEER = 'P'

/** Envelopes between two progress lines of the one-at-a-time run. */
const PROGRESS_EVERY = 500

/** Pause before reading memory, so that a compaction LevelDB is running can end. */
const SETTLE_MS = 2_000

/** RSS is read this often after the pause until it stops falling (a malloc giving pages back), at most this long. */
const SETTLED_POLL_MS = 500
const SETTLED_MAX_MS = 10_000
/** RSS counts as settled when it fell by less than this between two polls. */
const SETTLED_BYTES = 1_000_000

function say(message: QueueMessage): void {
  console.log(JSON.stringify(message))
}

async function main(folder: string): Promise<QueueFigures> {
  const path = join(folder, 'store')
  const envelopes = await RelayEnvelopes.create()
  const store = new LevelStore(path)
  await store.open()
  const empty = await memory()
  const enqueued = await enqueueAll(store, envelopes)
  const diskAfterEnqueue = await folderBytes(path)
  const picked = await pickToSend(store)
  const dequeued = await dequeueAll(store)
  const diskAfterDequeue = await folderBytes(path)
  await store.close()
  const closed = await memory()
  const diskAfterCompaction = await compactedBytes(path)
  say({ step: `queue: ${WORKLOAD.oneAtATime} envelopes, one awaited apply each, in a fresh store` })
  const oneAtATimeMs = await oneAtATime(join(folder, 'one-at-a-time'), envelopes)
  const { first, all, ...enqueue } = enqueued
  const { offered, ...pick } = picked
  return {
    allocator: await detectAllocator(),
    ...enqueue,
    ...pick,
    ...dequeued,
    oneAtATimeMs,
    diskAfterEnqueue,
    diskAfterDequeue,
    diskAfterCompaction,
    memory: { empty, first, all, offered, closed }
  }
}

async function enqueueAll(
  store: MeshStore,
  envelopes: RelayEnvelopes
): Promise<{ enqueueMs: number; contentBytes: number; first: MemorySample; all: MemorySample }> {
  say({ step: `queue: enqueue ${WORKLOAD.envelopes} envelopes, ${WORKLOAD.opsPerApply} ops per apply` })
  let enqueueMs = 0
  let contentBytes = 0
  let first: MemorySample | undefined
  for (let stored = WORKLOAD.chunk; stored <= WORKLOAD.envelopes; stored += WORKLOAD.chunk) {
    const chunk = await enqueueChunk(store, envelopes)
    enqueueMs += chunk.ms
    contentBytes += chunk.contentBytes
    say({ update: `${stored} stored` })
    if (stored === WORKLOAD.firstMemoryAt) first = await memory()
  }
  if (first === undefined) throw new Error('memory was not read at the first count')
  return { enqueueMs, contentBytes, first, all: await memory() }
}

type PickFigures = Pick<
  QueueFigures,
  | 'firstSummaryMs'
  | 'walkMs'
  | 'firstOffersMs'
  | 'allOffersMs'
  | 'offerBatches'
  | 'offeredIds'
  | 'requestMs'
  | 'envelopeFrames'
>

/** The first summary, a full walk, then an engine offering everything and serving requests. */
async function pickToSend(store: MeshStore): Promise<PickFigures & { offered: MemorySample }> {
  say({ step: 'queue: the engine offers everything to a peer, then serves its requests' })
  const firstSummaryMs: number[] = []
  for (let round = 0; round < WORKLOAD.firstSummaryRounds; round++)
    firstSummaryMs.push(await timeFirstSummary(store))
  const walkStarted = performance.now()
  let walked = 0
  for await (const page of store.summaries('send')) walked += page.length
  const walkMs = performance.now() - walkStarted
  expect(walked, WORKLOAD.envelopes, 'summaries walked')
  const engine = await engineInContact(store)
  const offerStarted = performance.now()
  let actions = await engine.handle(frameEvent({ hello: { tags: [] } }))
  const firstOffersMs = performance.now() - offerStarted
  const offeredIds: Uint8Array[] = []
  let offerBatches = 0
  // Bounded: one batch per `moreOffers`, and never more batches than envelopes.
  for (; offerBatches <= WORKLOAD.envelopes; offerBatches++) {
    const batch = sentFrames(actions).flatMap((frame) => frame.offers)
    if (batch.length === 0) break
    offeredIds.push(...batch)
    actions = await engine.handle(frameEvent({ moreOffers: true }))
  }
  const allOffersMs = performance.now() - offerStarted
  expect(offeredIds.length, WORKLOAD.envelopes, 'ids offered')
  const offered = await memory()
  const requested = offeredIds
    .slice(0, WORKLOAD.requestIds * WORKLOAD.requestRounds)
    .map((id) => bytesToHex(id))
  const { requestMs, envelopeFrames } = await serveRequests(engine, requested)
  return {
    firstSummaryMs,
    walkMs,
    firstOffersMs,
    allOffersMs,
    offerBatches,
    offeredIds: offeredIds.length,
    requestMs,
    envelopeFrames,
    offered
  }
}

async function dequeueAll(store: MeshStore): Promise<{ dequeueMs: number }> {
  say({ step: `queue: dequeue all ${WORKLOAD.envelopes}, ${WORKLOAD.opsPerApply} deletes per apply` })
  const started = performance.now()
  await applyWindowed(store, deleteBatches(store))
  const dequeueMs = performance.now() - started
  expect(store.counts().relay, 0, 'envelopes left after the dequeue')
  return { dequeueMs }
}

/**
 * Generates a chunk of envelopes, then times putting them; returns once they are stored, so that nothing
 * of the chunk stays reachable when memory is read next.
 */
async function enqueueChunk(
  store: MeshStore,
  envelopes: RelayEnvelopes
): Promise<{ ms: number; contentBytes: number }> {
  const chunk = envelopes.next(WORKLOAD.chunk)
  const ops = chunk.map((envelope): StoreOp => ({ op: 'put-envelope', envelope }))
  const started = performance.now()
  await applyWindowed(store, batches(ops))
  const ms = performance.now() - started
  return { ms, contentBytes: chunk.reduce((sum, envelope) => sum + envelope.content.length, 0) }
}

/** Applies batches with up to {@link WORKLOAD.appliesInFlight} in flight, so the store group-commits them. */
async function applyWindowed(
  store: MeshStore,
  source: AsyncIterable<StoreOp[]> | Iterable<StoreOp[]>
): Promise<void> {
  const inFlight = new Set<Promise<void>>()
  for await (const ops of source) {
    if (inFlight.size >= WORKLOAD.appliesInFlight) await Promise.race(inFlight)
    const applying: Promise<void> = Promise.resolve(store.apply(ops)).finally(() => inFlight.delete(applying))
    inFlight.add(applying)
  }
  await Promise.all(inFlight)
}

function* batches(ops: StoreOp[]): Iterable<StoreOp[]> {
  for (let i = 0; i < ops.length; i += WORKLOAD.opsPerApply) yield ops.slice(i, i + WORKLOAD.opsPerApply)
}

/** Delete ops for every stored envelope, in send order, a batch at a time. */
async function* deleteBatches(store: MeshStore): AsyncIterable<StoreOp[]> {
  let batch: StoreOp[] = []
  for await (const page of store.summaries('send')) {
    for (const envelope of page) {
      batch.push({ op: 'delete-envelope', envelope })
      if (batch.length < WORKLOAD.opsPerApply) continue
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

async function timeFirstSummary(store: MeshStore): Promise<number> {
  const started = performance.now()
  for await (const _ of store.summaries('send')) break
  return performance.now() - started
}

/** An engine over the store whose user takes delivery of nothing, in contact with {@link PEER}. */
async function engineInContact(store: MeshStore): Promise<MeshEngine> {
  const engine = new MeshEngine({
    store,
    clock: { now: () => Date.now() },
    local: { tags: () => new Set(), accept: () => Promise.resolve(undefined) }
  })
  await engine.handle({ kind: 'contact-up', peer: PEER })
  return engine
}

/** Requests the ids a frame's worth at a time; checks every envelope came back. */
async function serveRequests(
  engine: MeshEngine,
  ids: string[]
): Promise<{ requestMs: number[]; envelopeFrames: number }> {
  const requestMs: number[] = []
  let envelopeFrames = 0
  for (let i = 0; i < ids.length; i += WORKLOAD.requestIds) {
    const requests = ids.slice(i, i + WORKLOAD.requestIds).map(hexToBytes)
    const started = performance.now()
    const actions = await engine.handle(frameEvent({ requests }))
    requestMs.push(performance.now() - started)
    const frames = sentFrames(actions).filter((frame) => frame.envelopes.length > 0)
    expect(frames.flatMap((frame) => frame.envelopes).length, requests.length, 'envelopes served')
    if (i === 0) envelopeFrames = frames.length
  }
  return { requestMs, envelopeFrames }
}

function frameEvent(fields: Partial<MeshFrame>): { kind: 'frame'; peer: string; frame: MeshFrame } {
  return { kind: 'frame', peer: PEER, frame: meshFrame(fields) }
}

function sentFrames(actions: EngineAction[]): MeshFrame[] {
  return actions.flatMap((action) => (action.kind === 'send' ? [action.frame] : []))
}

async function oneAtATime(path: string, envelopes: RelayEnvelopes): Promise<number> {
  const store = new LevelStore(path)
  await store.open()
  try {
    const batch = envelopes.next(WORKLOAD.oneAtATime)
    const started = performance.now()
    for (const [i, envelope] of batch.entries()) {
      await store.apply([{ op: 'put-envelope', envelope }])
      if ((i + 1) % PROGRESS_EVERY === 0) say({ update: `${i + 1} stored` })
    }
    return performance.now() - started
  } finally {
    await store.close()
  }
}

/**
 * Memory once the process is idle: after {@link SETTLE_MS} for LevelDB's background work to finish and
 * forced full GCs (the process runs with `--expose-gc`) of the last-resort flavour, which also give V8's
 * emptied heap pages back (a plain `gc()` leaves the heap as large as the workload's peak), RSS is polled
 * until it stops falling, so that a malloc that returns freed pages on a timer (jemalloc's decay) has done so.
 */
async function memory(): Promise<MemorySample> {
  const { gc } = globalThis
  if (gc === undefined) throw new Error('run with --expose-gc')
  await sleep(SETTLE_MS)
  for (let i = 0; i < 2; i++) {
    gc({ type: 'major', flavor: 'last-resort' })
    await new Promise((resolve) => setImmediate(resolve))
  }
  let rss = process.memoryUsage.rss()
  for (let waited = 0; waited < SETTLED_MAX_MS; waited += SETTLED_POLL_MS) {
    await sleep(SETTLED_POLL_MS)
    const now = process.memoryUsage.rss()
    const fell = rss - now
    rss = now
    if (fell < SETTLED_BYTES) break
  }
  const { heapUsed, external } = process.memoryUsage()
  const [rssAnon, rssFile] = await Promise.all([
    memoryBytes(process.pid, 'RssAnon'),
    memoryBytes(process.pid, 'RssFile')
  ])
  return { rss, rssAnon, rssFile, heapUsed, external }
}

async function folderBytes(path: string): Promise<number> {
  const files = await readdir(path, { withFileTypes: true })
  const sizes = await Promise.all(
    files.filter((file) => file.isFile()).map((file) => fileBytes(join(path, file.name)))
  )
  return sizes.reduce((sum, size) => sum + size, 0)
}

/** A file's size; 0 if it is gone, as LevelDB deletes the tables a compaction made obsolete at any time. */
async function fileBytes(file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
}

/** The folder's size after a full manual compaction of everything in it. */
async function compactedBytes(path: string): Promise<number> {
  const db = new ClassicLevel<string, Uint8Array>(path, { valueEncoding: 'view' })
  await db.open()
  try {
    await db.compactRange('\u0000', '\uffff')
    return await folderBytes(path)
  } finally {
    await db.close()
  }
}

function expect(actual: number, wanted: number, what: string): void {
  if (actual !== wanted) throw new Error(`${what}: ${actual}, expected ${wanted}`)
}

const folder = process.argv[2]
if (folder === undefined) throw new Error('usage: queue-store.js <folder>')
say({ figures: await main(folder) })
