import { MAX_ENVELOPE_BYTES } from '../wire/index.ts'

/** libp2p protocol id of the store-and-forward exchange. */
export const MESH_PROTOCOL = '/qpq/mesh/1.0.0'

/** Largest frame read from a peer: one envelope of the largest size plus the frame's own fields. */
export const MAX_FRAME_BYTES = MAX_ENVELOPE_BYTES + 64 * 1024

/**
 * Bytes a paused mesh stream may buffer before libp2p resets it: yamux's largest stream window (16 MiB), all a
 * peer may have sent before it learns that this node stopped reading.
 */
export const MAX_PAUSED_READ_BYTES = 16 * 1024 * 1024
