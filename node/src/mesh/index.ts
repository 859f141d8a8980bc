// The mesh engine's public face: the sans-IO engine, its policy and forwarding strategies, and the frames it
// speaks. Nothing here does I/O (no libp2p, no disk, no timers): the daemon wires it to libp2p streams through
// node/src/transport, the simulator to virtual links (eslint.config.js and test/boundary.test.ts keep it so).
export { MeshEngine } from './engine.ts'
export type {
  Acceptance,
  Clock,
  EngineAction,
  EngineEvent,
  EngineHeld,
  EngineInit,
  EngineStats,
  Attempts,
  DropReason,
  LocalEndpoint,
  SubmittedEnvelope,
  Unread
} from './engine.ts'
export { DEFAULT_POLICY, retryDelay } from './policy.ts'
export type { EnginePolicy } from './policy.ts'
export {
  DEFAULT_PROFILE,
  forgetDropped,
  KEEP_RECEIPTS,
  RANDOM_ORDER,
  RELAY_ONLY_BUFFER,
  resendDropped,
  SHARE_RECEIPTS,
  SHARED_BUFFER,
  STORE_ORDER
} from './profile.ts'
export type { DroppedEnvelopes, EngineProfile, ReceiptSharing, RelayBuffer, SendOrder } from './profile.ts'
export { directDelivery, epidemic, firstContact, sprayAndWait } from './strategy.ts'
export type { ForwardingStrategy, PeerView } from './strategy.ts'
export { Prophet } from './prophet.ts'
export type { ProphetParams, StrategyLog } from './prophet.ts'
export { createStrategy, DEFAULT_STRATEGY, STRATEGY_NAMES, strategySpec } from './strategies.ts'
export type { StrategyName, StrategySpec } from './strategies.ts'
export { IDS_PER_FRAME, OFFER_BATCH } from './constants.ts'
export { MeshFrame } from './mesh.pb.ts'
export { Predictabilities } from './prophet.pb.ts'
export { decodeMeshFrame, frameItems, meshFrame } from './frames.ts'
