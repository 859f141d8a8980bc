// The store the engine runs on: the MeshStore interface and its types, the in-memory store, send order, id
// digests, accounting and the Later helpers. Pure: no disk, no network (the LevelDB store is node/src/storage).
export { StoreAccounting } from './accounting.ts'
export { FAILED_KEPT, failedKey, FailedKeys } from './failed.ts'
export { HeldInMemory } from './held.ts'
export { bucketOf, IdDigest, MAX_DIGEST_BITS } from './id-digest.ts'
export type { IdBuckets } from './id-digest.ts'
export { IdSet } from './id-set.ts'
// `then` goes out as `andThen`: a module whose namespace has a `then` is a thenable, so `await import()` of
// this index would call it instead of returning the module.
export { forEach, then as andThen, walk } from './later.ts'
export type { Later, Walk } from './later.ts'
export { MemoryStore } from './memory-store.ts'
export { compareSummaries, inWalk, pad, PRIORITY_RANK, SUMMARY_PAGE } from './order.ts'
export type {
  EnvelopeOrigin,
  EnvelopeSummary,
  FailedMessage,
  InboxCursor,
  InboxEntry,
  MeshStore,
  StoreCounts,
  StoredEnvelope,
  StoredReceipt,
  StoreOp,
  SummaryOrder
} from './types.ts'
