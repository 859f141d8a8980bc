// Transports and the mesh protocol over libp2p streams: the libp2p node (QUIC, TCP, memory), discovery and peer
// exchange, the `/qpq/mesh/1.0.0` stream service that carries the engine's frames, and the connection gater
// (peer scores, connection slots). Everything here touches the network; the engine itself is in node/src/mesh.
export { MeshService } from './service.ts'
export type { MeshServiceStats } from './service.ts'
export type { SessionFault, SessionLimits } from './session.ts'
export { PeerScores } from './peer-scores.ts'
export type { Misbehaviour } from './peer-scores.ts'
export { ConnectionSlots } from './connection-slots.ts'
export type { ConnectionSlotsStats } from './connection-slots.ts'
export { Discovery, REDIAL_CAP_MS, REDIAL_INTERVAL_MS, redialDelay } from './discovery.ts'
export { PeerExchange } from './peer-exchange.ts'
export { PeerAnnouncement } from './peer-exchange.pb.ts'
export { createMeshLibp2p } from './libp2p.ts'
export type { MeshLibp2p } from './libp2p.ts'
export { isListenable, LISTENABLE_FORMS } from './listen-addresses.ts'
export { ListenError } from './errors.ts'
export type { ListenFailure } from './errors.ts'
export { MESH_PROTOCOL } from './constants.ts'
