import type { EnvelopeHeader, Priority } from '../wire/index.ts'
import type { IdBuckets, IdDigest } from './id-digest.ts'
import type { Later, Walk } from './later.ts'

/** Whose an envelope is: this node's user's (outbox) or someone else's (relay store). */
export type EnvelopeOrigin = 'local' | 'relay'

/** What the engine decides on, without the content: offers, sweeps and eviction read only this. */
export interface EnvelopeSummary {
  header: EnvelopeHeader
  /** How many more times this envelope may be forwarded from here. */
  hopsLeft: number
  origin: EnvelopeOrigin
  receivedAt: number
  /** The peer it came from; empty for this node's own envelopes. */
  fromPeer: string
  /** For this node's own envelopes, the recipient as its user named it (an address); empty for relayed ones. */
  recipient: string
  /** Copies this node may still hand on, for strategies that count them (spray and wait). */
  copies?: number
}

export interface StoredEnvelope extends EnvelopeSummary {
  /** The content bytes exactly as they travel; their hash is the id. */
  content: Uint8Array
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

/** One of this node's user's messages that left the outbox without being delivered, and why. */
export interface FailedMessage {
  id: string
  /** The recipient as the user named it (an address). */
  recipient: string
  priority: Priority
  /** Why, in a few words: `expired`, `stale`, or the reason a peer refused it (`too large`, …). */
  reason: string
  /** What happened, for the user: who refused it and how often, or the last error before it expired. */
  detail: string
  /** When it was queued and when it failed, Unix ms. */
  queuedAt: number
  failedAt: number
}

/** A place in the inbox: the entry after which a page starts. */
export type InboxCursor = Pick<InboxEntry, 'id' | 'receivedAt'>

/**
 * One write. The writer states what it read: it puts only envelopes and
 * receipts it found absent and deletes only ones it found present (passing
 * what it deletes), so a store keeps its counts and indexes without reading back.
 */
export type StoreOp =
  | { op: 'put-envelope'; envelope: StoredEnvelope }
  | { op: 'delete-envelope'; envelope: EnvelopeSummary }
  | { op: 'put-receipt'; receipt: StoredReceipt }
  | { op: 'delete-receipt'; receipt: StoredReceipt }
  | { op: 'put-inbox'; entry: InboxEntry }
  /** Kept among the store's last `FAILED_KEPT` failed messages; an older one makes way. */
  | { op: 'put-failed'; failed: FailedMessage }

export interface StoreCounts {
  /** Envelopes of this node's user not yet known to be delivered. */
  outbox: number
  outboxBytes: number
  /** Other people's envelopes held for forwarding. */
  relay: number
  relayBytes: number
  receipts: number
  inbox: number
  /** Failed messages kept (at most `FAILED_KEPT`). */
  failed: number
}

/**
 * The orders in which summaries can be read:
 * - `send`: critical, then normal, then low; oldest first within a class; outbox and relay together.
 * - `evict`: relay envelopes only: low, then normal, then critical; oldest first within a class.
 * - `evict-all`: as `evict`, outbox and relay together (for a buffer they share).
 */
export type SummaryOrder = 'send' | 'evict' | 'evict-all'

/**
 * Persistent state of the mesh engine. `apply` is atomic: after it resolves,
 * every op is on disk, and after a crash either all of them are or none.
 * Reads and writes answer at once where nothing must be waited for (the
 * memory store), so the engine handles an event without suspending.
 * Iterators stream from disk; what a store keeps in memory is per id and per
 * peer or tag, never per byte of content.
 */
export interface MeshStore {
  /** `getEnvelopes` reads from memory: the engine keeps no cache of recent content in front of it. */
  readonly contentInMemory: boolean
  open(): Promise<void>
  close(): Promise<void>
  apply(ops: StoreOp[]): Later<void>
  hasEnvelope(id: string): boolean
  hasReceipt(id: string): boolean
  /** As `hasEnvelope`, for an id's bytes as they come off the wire. */
  hasEnvelopeBytes(id: Uint8Array): boolean
  /** As `hasReceipt`, for an id's bytes as they come off the wire. */
  hasReceiptBytes(id: Uint8Array): boolean
  /** The digest of the envelope ids held, kept up to date by `apply`; read it, never change it. */
  envelopeDigest(): IdDigest
  getEnvelopes(ids: string[]): Later<(StoredEnvelope | undefined)[]>
  getReceipts(ids: string[]): Later<(StoredReceipt | undefined)[]>
  /**
   * Summaries in `order`, a page at a time, starting after `after` when given (to resume a walk), and
   * only of ids `within` these buckets when given.
   */
  summaries(order: SummaryOrder, after?: EnvelopeSummary, within?: IdBuckets): Walk<EnvelopeSummary[]>
  /** Envelopes whose expiry is at or before `time`, soonest first. */
  expiredEnvelopes(time: number): Walk<EnvelopeSummary>
  /** Receipts whose expiry is at or before `time`, soonest first. */
  expiredReceipts(time: number): Walk<StoredReceipt>
  /** The inbox in order of arrival, starting after `after` when given (to read it a page at a time). */
  inbox(after?: InboxCursor): AsyncIterable<InboxEntry>
  /** The failed messages kept, oldest first. */
  failed(): AsyncIterable<FailedMessage>
  counts(): StoreCounts
  /** Bytes of relay envelopes that came from `peer`. */
  relayBytesFrom(peer: string): number
  /** Bytes of relay envelopes with recipient tag `tag`. */
  relayBytesFor(tag: string): number
  /** Whether any envelope, relay or outbox, has recipient tag `tag`. */
  holdsFor(tag: string): boolean
}
