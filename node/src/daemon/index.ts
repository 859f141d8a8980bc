export type { Allocator } from './allocator.ts'
export { composeMlsEnvelopes, composeSealed } from './compose.ts'
export { LOCK_FILE } from './data-lock.ts'
export { Daemon } from './daemon.ts'
export type { DaemonInit, DaemonStats } from './daemon.ts'
export { controlHandlers } from './handlers.ts'
export type { ControlParts } from './handlers.ts'
export type {
  GroupChange,
  IdResult,
  InboxMessage,
  InboxPage,
  OutboxItem,
  PeerResult,
  StatusResult
} from '../api/methods.ts'
