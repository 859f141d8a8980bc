export type { Allocator } from './allocator.ts'
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
