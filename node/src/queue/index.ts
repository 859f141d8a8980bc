export { StoreAccounting } from './accounting.ts'
export { FAILED_KEPT } from './failed.ts'
export { IdDigest } from './id-digest.ts'
export type { IdBuckets } from './id-digest.ts'
export type { Later, Walk } from './later.ts'
export { LevelStore } from './level-store.ts'
export { MemoryStore } from './memory-store.ts'
export { compareSummaries, PRIORITY_RANK, SUMMARY_PAGE } from './order.ts'
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
