import { MAX_ENVELOPE_BYTES } from '../wire/index.ts'

/** libp2p protocol id of the store-and-forward exchange. */
export const MESH_PROTOCOL = '/qpq/mesh/1.0.0'

/** Largest frame read from a peer: one envelope of the largest size plus the frame's own fields. */
export const MAX_FRAME_BYTES = MAX_ENVELOPE_BYTES + 64 * 1024

/** A frame of envelopes is closed once it holds this many bytes. */
export const FRAME_TARGET_BYTES = 256 * 1024

/** Receipts and ids per frame, so no frame nears the size limit (each id is 32 bytes). */
export const IDS_PER_FRAME = 4096

/** Ids per batch of offers when a contact comes up; the next batch goes when the peer asks for more. */
export const OFFER_BATCH = 4096

/** Envelopes requested from one peer and not yet received, at most: bounds what a contact holds in memory. */
export const REQUESTS_IN_FLIGHT = 512

/**
 * Bytes a paused mesh stream may buffer before libp2p resets it: yamux's largest stream window (16 MiB), all a
 * peer may have sent before it learns that this node stopped reading.
 */
export const MAX_PAUSED_READ_BYTES = 16 * 1024 * 1024

/** Bytes of an envelope id (SHA-256 of its content): ids of any other length are malformed. */
export const ID_BYTES = 32
