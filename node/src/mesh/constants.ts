/** A frame of envelopes is closed once it holds this many bytes. */
export const FRAME_TARGET_BYTES = 256 * 1024

/** Receipts and ids per frame, so no frame nears the size limit (each id is 32 bytes). */
export const IDS_PER_FRAME = 4096

/** Ids per batch of offers when a contact comes up; the next batch goes when the peer asks for more. */
export const OFFER_BATCH = 4096

/** Envelopes requested from one peer and not yet received, at most: bounds what a contact holds in memory. */
export const REQUESTS_IN_FLIGHT = 512

/** Bytes of an envelope id (SHA-256 of its content): ids of any other length are malformed. */
export const ID_BYTES = 32
