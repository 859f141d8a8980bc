import type { Later } from '../queue/later.ts'
import type { EnvelopeOrigin, EnvelopeSummary, StoredReceipt } from '../queue/types.ts'
import type { EnvelopeHeader } from '../wire/index.ts'
import type { Cycle } from './cycle.ts'
import type { EngineAction } from './engine-types.ts'
import type { OfferWalk } from './offer-walk.ts'
import type { PeerState, Peers } from './peers.ts'
import { SHARE_RECEIPTS } from './receipts.ts'
import { forgetDropped } from './resend.ts'

export { KEEP_RECEIPTS, SHARE_RECEIPTS } from './receipts.ts'
export { forgetDropped, resendDropped } from './resend.ts'

/**
 * How an engine behaves where the daemon and the networks the simulator models differ: each part a strategy
 * chosen once, when the engine is made. The daemon runs {@link DEFAULT_PROFILE}; the simulator swaps parts
 * to model the ONE's routers.
 */
export interface EngineProfile {
  /** Whether peers hear of deliveries, so that they delete their copies and stop forwarding. */
  receipts: ReceiptSharing
  /** What `maxRelayBytes` bounds and eviction may take. */
  buffer: RelayBuffer
  /** The order of each batch of offers. */
  sendOrder: SendOrder
  /** What becomes of envelopes this node dropped; made once per engine, over its peers in contact. */
  dropped: (peers: Peers) => DroppedEnvelopes
}

export interface ReceiptSharing {
  /** `hint`: receipts this node could not verify, for a peer that holds their envelopes to check. */
  send(peer: string, receipts: StoredReceipt[], out: EngineAction[], hint?: boolean): void
  /** Sends receipts just learned to every peer in contact but `except`. */
  spread(peers: Peers, receipts: StoredReceipt[], out: EngineAction[], except?: string): void
  /** Answers offers of envelopes delivered already (their receipts, read here) and of others (`hints`). */
  answerOffers(
    peer: string,
    delivered: string[],
    hints: StoredReceipt[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void>
}

export interface RelayBuffer {
  /** Whether envelopes of this origin count against `maxRelayBytes` and may be evicted to make room. */
  holds(origin: EnvelopeOrigin): boolean
  /** The bytes counted against `maxRelayBytes`, of those the store holds. */
  bytes(relayBytes: number, outboxBytes: number): number
  /** The store's order of the envelopes it may evict. */
  readonly evictionOrder: 'evict' | 'evict-all'
}

export interface SendOrder {
  /** Orders `ids` from `start` on, which come in the store's send order. */
  arrange(ids: Uint8Array[], start: number, random: () => number): void
}

/** The hooks that decide whether an engine gets again what it dropped. */
export interface DroppedEnvelopes {
  /** The digest of the ids held here, for the hello; without one, peers offer everything they hold. */
  heldDigest(cycle: Cycle): Uint8Array | undefined
  mayOffer(summary: EnvelopeSummary, peer: string): boolean
  /** Whether an id a peer offered may be requested from it now. */
  mayRequest(id: string): boolean
  /** A peer offered these ids. */
  offered(state: PeerState, ids: Uint8Array[]): void
  /** A peer refused an id we requested or sent. */
  refused(state: PeerState, id: string): void
  /** An envelope was evicted here to make room. */
  evicted(header: EnvelopeHeader): void
  /** Ids to offer back to `peer` in the frame that acknowledges the envelopes it sent (`stored`). */
  offersBack(
    peer: string,
    state: PeerState,
    stored: EnvelopeSummary[],
    walk: OfferWalk,
    cycle: Cycle,
    out: EngineAction[]
  ): Uint8Array[]
  /** Runs once each event is processed, before its cycle is committed. */
  eventDone(walk: OfferWalk, cycle: Cycle, out: EngineAction[]): void
}

/** The daemon's: only relayed envelopes count; the user's own are never evicted. */
export const RELAY_ONLY_BUFFER: RelayBuffer = {
  holds: (origin) => origin === 'relay',
  bytes: (relayBytes) => relayBytes,
  evictionOrder: 'evict'
}

/** One buffer for the node's own envelopes and relayed ones, evicted alike, as in the ONE's routers. */
export const SHARED_BUFFER: RelayBuffer = {
  holds: () => true,
  bytes: (relayBytes, outboxBytes) => relayBytes + outboxBytes,
  evictionOrder: 'evict-all'
}

/** The daemon's: the store's send order (priority, then age). */
export const STORE_ORDER: SendOrder = {
  arrange() {}
}

/** Each batch shuffled with the engine's `random`, as the ONE's send queue is; the peer's own still first. */
export const RANDOM_ORDER: SendOrder = {
  arrange: shuffle
}

export const DEFAULT_PROFILE: EngineProfile = {
  receipts: SHARE_RECEIPTS,
  buffer: RELAY_ONLY_BUFFER,
  sendOrder: STORE_ORDER,
  dropped: forgetDropped
}

/** Fisher–Yates, in place, of the items from `start` on. */
function shuffle(items: Uint8Array[], start: number, random: () => number): void {
  for (let i = items.length - 1; i > start; i--) {
    const j = start + Math.floor(random() * (i - start + 1))
    const item = items[i] as Uint8Array
    items[i] = items[j] as Uint8Array
    items[j] = item
  }
}
