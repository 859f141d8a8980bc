import type { EnvelopeHeader } from '../wire/index.ts'

/** Whose an envelope is: this node's user's (outbox) or someone else's (relay store). */
export type EnvelopeOrigin = 'local' | 'relay'

export interface StoredEnvelope {
  header: EnvelopeHeader
  /** The content bytes exactly as they travel; their hash is the id. */
  content: Uint8Array
  /** How many more times this envelope may be forwarded from here. */
  hopsLeft: number
  origin: EnvelopeOrigin
  receivedAt: number
}

/** A delivery receipt, kept as a tombstone until the envelope would have expired. */
export interface StoredReceipt {
  id: string
  secret: Uint8Array
  expiresAt: number
}

/** A message delivered to this node's user; the record's bytes belong to the end-to-end layer. */
export interface InboxEntry {
  id: string
  receivedAt: number
  record: Uint8Array
}

/**
 * One write. The writer states what it read: it puts only envelopes and
 * receipts it found absent and deletes only ones it found present (passing
 * the envelope it deletes), so a store keeps its counts without reading back.
 */
export type StoreOp =
  | { op: 'put-envelope'; envelope: StoredEnvelope }
  | { op: 'delete-envelope'; envelope: StoredEnvelope }
  | { op: 'put-receipt'; receipt: StoredReceipt }
  | { op: 'delete-receipt'; id: string }
  | { op: 'put-inbox'; entry: InboxEntry }

export interface StoreCounts {
  /** Envelopes of this node's user not yet known to be delivered. */
  outbox: number
  /** Other people's envelopes held for forwarding. */
  relay: number
  relayBytes: number
  receipts: number
  inbox: number
}

/**
 * Persistent state of the mesh engine. `apply` is atomic: after it resolves,
 * every op is on disk, and after a crash either all of them are or none.
 */
export interface MeshStore {
  open(): Promise<void>
  close(): Promise<void>
  apply(ops: StoreOp[]): Promise<void>
  getEnvelopes(ids: string[]): Promise<(StoredEnvelope | undefined)[]>
  getReceipts(ids: string[]): Promise<(StoredReceipt | undefined)[]>
  envelopes(): AsyncIterable<StoredEnvelope>
  receipts(): AsyncIterable<StoredReceipt>
  inbox(): AsyncIterable<InboxEntry>
  counts(): StoreCounts
}
