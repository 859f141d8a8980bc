import type { Allocator } from '../node/src/daemon/index.ts'
/** The queue benchmark's workload, shared by the benchmark (its method text) and its child process. */
export const WORKLOAD = {
  /** Envelopes stored in all, and the first count at which memory is read. */
  envelopes: 100_000,
  firstMemoryAt: 10_000,
  payloadBytes: 1024,
  recipients: 1_000,
  tagBytes: 16,
  /** Distinct peers the relay envelopes came from. */
  fromPeers: 20,
  /** Envelopes generated at a time (outside the timed span), then applied. */
  chunk: 5_000,
  opsPerApply: 1_000,
  appliesInFlight: 4,
  /** Envelopes put with one awaited `apply` each, in a second store. */
  oneAtATime: 10_000,
  /** Ids per request frame served by the engine, and how many such requests are timed. */
  requestIds: 512,
  requestRounds: 5,
  /** Times the first summary of `summaries('send')` is read. */
  firstSummaryRounds: 11
}

/** Memory of the child after forced GCs, in bytes: `process.memoryUsage()` and, on Linux, `/proc` figures. */
export interface MemorySample {
  rss: number
  /** RSS in anonymous memory (heaps, allocator arenas) and in mapped files (code, LevelDB tables). */
  rssAnon: number | undefined
  rssFile: number | undefined
  heapUsed: number
  external: number
}

export interface QueueFigures {
  /** The malloc the child found itself running on. */
  allocator: Allocator
  /** Sum of content sizes of the stored envelopes, in bytes. */
  contentBytes: number
  /** Wall time of the batched applies only (generation excluded), in ms. */
  enqueueMs: number
  oneAtATimeMs: number
  /** Sum of file sizes in the store's folder, in bytes. */
  diskAfterEnqueue: number
  diskAfterDequeue: number
  diskAfterCompaction: number
  memory: {
    empty: MemorySample
    first: MemorySample
    all: MemorySample
    offered: MemorySample
    /** Once the store is closed, after the dequeue: what the process keeps when LevelDB has let go. */
    closed: MemorySample
  }
  /** Iterator creation and first item of `summaries('send')`, each round, in ms. */
  firstSummaryMs: number[]
  /** Walking all summaries in send order, store only, in ms. */
  walkMs: number
  /** `hello` frame in, the first batch of offers out, in ms. */
  firstOffersMs: number
  /** `hello`, then `moreOffers` frames until every id is offered, in ms. */
  allOffersMs: number
  offerBatches: number
  offeredIds: number
  /** One `requests` frame of {@link WORKLOAD.requestIds} ids in, envelope frames out, per round, in ms. */
  requestMs: number[]
  envelopeFrames: number
  /** Walking `summaries('send')` and deleting everything in batched applies, in ms. */
  dequeueMs: number
}

/** One line of the child's stdout. */
export type QueueMessage = { step: string } | { update: string } | { figures: QueueFigures }
