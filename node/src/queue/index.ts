export { LevelStore } from './level-store.ts'
export { MemoryStore } from './memory-store.ts'
export type {
  EnvelopeOrigin,
  InboxEntry,
  MeshStore,
  StoreCounts,
  StoredEnvelope,
  StoredReceipt,
  StoreOp
} from './types.ts'
