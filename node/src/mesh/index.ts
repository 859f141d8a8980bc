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
export type { ProphetParams } from './prophet.ts'
export { createStrategy, DEFAULT_STRATEGY, STRATEGY_NAMES, strategySpec } from './strategies.ts'
export type { StrategyName, StrategySpec } from './strategies.ts'
export { MeshService } from './service.ts'
export type { MeshServiceStats } from './service.ts'
export type { SessionFault, SessionLimits } from './session.ts'
export { PeerScores } from './peer-scores.ts'
export type { Misbehaviour } from './peer-scores.ts'
export { ConnectionSlots } from './connection-slots.ts'
export type { ConnectionSlotsStats } from './connection-slots.ts'
export { Discovery } from './discovery.ts'
export { PeerExchange } from './peer-exchange.ts'
export { createMeshLibp2p } from './libp2p.ts'
export type { MeshLibp2p } from './libp2p.ts'
export { IDS_PER_FRAME, MESH_PROTOCOL, OFFER_BATCH } from './constants.ts'
export { MeshFrame } from './mesh.pb.ts'
export { decodeMeshFrame, meshFrame } from './frames.ts'
