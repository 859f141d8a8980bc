import type { FailedMessage, Later, StoredEnvelope, StoreOp } from '../queue/index.ts'
import type { EnvelopeHeader } from '../wire/index.ts'
import type { MeshFrame } from './mesh.pb.ts'

export interface Clock {
  now(): number
}

/** What the end-to-end layer makes of an envelope addressed to this node's user. */
export interface Acceptance {
  receiptSecret: Uint8Array
  /** Written in the same atomic batch as the receipt (the inbox entry). */
  ops: StoreOp[]
  /**
   * Receipts for envelopes taken earlier without one (the end-to-end layer kept them unread, for instance
   * until their MLS epoch arrived) that this one made readable: their copies are deleted and the receipts
   * spread as if they had just been delivered.
   */
  late?: { id: string; secret: Uint8Array }[]
}

/**
 * An envelope for this node's user that cannot be read yet (its MLS epoch has not arrived): its copy is kept
 * as a relay one, within the quotas, and `kept` runs once it is; a refused copy leaves nothing behind.
 */
export interface Unread {
  kept(): Later<void>
}

/** The node's own user, as the engine sees it. */
export interface LocalEndpoint {
  /** Hex tags this node takes delivery for at `now`. */
  tags(now: number): ReadonlySet<string>
  /** Opens an envelope whose tag is ours; undefined if it is not for us after all. */
  accept(envelope: StoredEnvelope): Later<Acceptance | Unread | undefined>
}

export interface SubmittedEnvelope {
  content: Uint8Array
  hopLimit: number
  /** What the user calls the recipient (its address), shown in the outbox; never sent. */
  recipient?: string
}

export type EngineEvent =
  | { kind: 'contact-up'; peer: string }
  | { kind: 'contact-down'; peer: string }
  | { kind: 'frame'; peer: string; frame: MeshFrame }
  /**
   * An envelope from `peer` starts arriving: make room for it now, as its arrival would, so the room is
   * taken even if the transfer is then cut (the ONE's receivers do). For transports that know in advance.
   */
  | { kind: 'incoming'; peer: string; header: EnvelopeHeader }
  | { kind: 'submit'; envelopes: SubmittedEnvelope[] }
  /** Deletes expired envelopes and receipts, at most `limit` of each. */
  | { kind: 'sweep'; limit: number }
  /** A timer the engine asked for has fired: offer what is due again. */
  | { kind: 'retry' }
  /** Try every outbox envelope now, whatever its backoff. */
  | { kind: 'flush' }
  /** Discards unsent outbox envelopes: these ids, or all of them. */
  | { kind: 'discard'; ids?: string[] }

export type DropReason =
  | 'malformed'
  | 'expired'
  | 'already delivered'
  | 'stale'
  | 'peer quota'
  | 'recipient quota'
  | 'store full'
  | 'evicted'
  | 'discarded'
  | 'not acceptable'
  | 'too large'
  /** Ids past a bound: a frame's list past `IDS_PER_FRAME`, offers past `maxWantedPerPeer`, requests past the unacknowledged bounds. */
  | 'over limit'
  /** A receipt its sender claims to have verified that does not match the envelope it is for. */
  | 'forged receipt'
  /** Receipt hints that made way for newer ones, and verified receipts past `maxReceipts`. */
  | 'receipt quota'

export type EngineAction =
  /** `headers`: those of the frame's envelopes, in order, for a transport that schedules them without decoding. */
  | { kind: 'send'; peer: string; frame: MeshFrame; headers?: EnvelopeHeader[] }
  /** An envelope for this node's user was accepted and committed. */
  | { kind: 'delivered'; id: string }
  /** One of this node's user's envelopes is known to have arrived. */
  | { kind: 'receipt'; id: string }
  /** One of this node's user's envelopes left with its last copy (first contact): no receipt will come back here. */
  | { kind: 'handed-over'; id: string }
  | { kind: 'dropped'; reason: DropReason; detail: string; peer?: string; id?: string }
  /** One of this node's user's envelopes left the outbox undelivered; its record is committed with it. */
  | { kind: 'failed'; failed: FailedMessage }
  /** Hand the engine a `retry` event at this time. */
  | { kind: 'timer'; at: number }
  /** What a sweep deleted; a sweep that reached its limit should be followed by another. */
  | { kind: 'swept'; envelopes: number; receipts: number }

/** Delivery attempts of one outbox envelope since the daemon started. */
export interface Attempts {
  /** Hand-offs tried (envelopes sent to a peer). */
  attempts: number
  /** Failures since the last new contact: the exponent of the backoff. */
  failures: number
  lastError: string
  /** Not offered again before this time (0: whenever a peer is in contact). */
  nextAttemptAt: number
  /** Refusals for a reason that will not change (`PERMANENT_REFUSALS`), by reason. */
  refusals: Record<string, number>
  /** A peer took a copy: the envelope may arrive whatever others refuse, so refusals no longer fail it. */
  copyTaken: boolean
}

/** What the engine holds in memory for its peers in contact, summed over them. */
export interface EngineHeld {
  /** Ids offered to us that we lack and have not requested yet. */
  wanted: number
  /** Ids requested and not yet received. */
  requested: number
  /** Envelopes sent and not yet acknowledged. */
  unacknowledged: number
  /** Receipts kept as hints (this node could not verify them). */
  receiptHints: number
}

export interface EngineStats {
  /** Envelopes refused or dropped, by reason. */
  dropped: Partial<Record<DropReason, number>>
  /** Envelopes refused for a quota, by the peer that sent them. */
  refusedByPeer: Record<string, number>
  /** This node's user's envelopes that failed, by reason (`FailedMessage.reason`). */
  failed: Record<string, number>
}
