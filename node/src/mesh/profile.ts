import { andThen as then } from '../queue/index.ts'
import type { EnvelopeOrigin, EnvelopeSummary, Later, StoredReceipt } from '../queue/index.ts'
import { fromHex, toHex } from '../wire/index.ts'
import type { EnvelopeHeader } from '../wire/index.ts'
import { frameTo } from './actions.ts'
import { IDS_PER_FRAME } from './constants.ts'
import type { Cycle } from './cycle.ts'
import type { EngineAction } from './engine-types.ts'
import type { PeerState, Peers } from './peers.ts'

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
  /** Whether an envelope may be offered to `peer`: the daemon never offers one to the peer it came from. */
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
    offers: OfferRequests,
    cycle: Cycle,
    out: EngineAction[]
  ): Uint8Array[]
  /** Runs once each event is processed, before its cycle is committed. */
  eventDone(offers: OfferRequests, cycle: Cycle, out: EngineAction[]): void
}

/** What those hooks ask of the offer walk (`OfferWalk`). */
export interface OfferRequests {
  offerableIds(
    peer: string,
    state: PeerState,
    envelopes: EnvelopeSummary[],
    cycle: Cycle,
    out: EngineAction[]
  ): Uint8Array[]
  requestMore(peer: string, state: PeerState, cycle: Cycle, out: EngineAction[]): void
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

/** The daemon's: peers hear of every delivery, so they delete their copies and stop forwarding. */
export const SHARE_RECEIPTS: ReceiptSharing = {
  send(peer, receipts, out, hint = false) {
    for (let i = 0; i < receipts.length; i += IDS_PER_FRAME) {
      const chunk = receipts.slice(i, i + IDS_PER_FRAME).map((receipt) => ({
        envelopeId: fromHex(receipt.id),
        secret: receipt.secret,
        expiresAt: BigInt(receipt.expiresAt),
        hint
      }))
      out.push(frameTo(peer, { receipts: chunk }))
    }
  },
  spread(peers, receipts, out, except) {
    if (receipts.length === 0) return
    for (const [peer, state] of peers) {
      if (peer !== except && state.tags !== undefined) this.send(peer, receipts, out)
    }
  },
  answerOffers(peer, delivered, hints, cycle, out) {
    if (hints.length > 0) this.send(peer, hints, out, true)
    if (delivered.length === 0) return
    return then(cycle.receipts(delivered), (receipts) => {
      this.send(peer, receipts, out)
    })
  }
}

/** Peers never hear of deliveries, as between the ONE's routers: relays keep their copies until expiry. */
export const KEEP_RECEIPTS: ReceiptSharing = {
  send() {},
  spread() {},
  answerOffers() {}
}

/**
 * The daemon's: what this node dropped is gone from here. It tells peers what it holds (a digest in its
 * hello), never offers an envelope back to the peer it came from, and asks one peer at a time for an id.
 */
export function forgetDropped(peers: Peers): DroppedEnvelopes {
  return {
    heldDigest: (cycle) => cycle.envelopeDigest().encode(),
    mayOffer: (summary, peer) => summary.fromPeer !== peer,
    mayRequest: (id) => !peers.isRequested(id),
    offered() {},
    refused() {},
    evicted() {},
    offersBack: () => [],
    eventDone() {}
  }
}

/**
 * Gets again what this node dropped, as the ONE's routers do (they try every message they hold on every
 * free link, and a peer takes any it lacks at that moment): offers envelopes to the peer they came from
 * too, asks again, while in contact, every peer that offered an envelope this node has since evicted, and
 * asks every peer that offers an envelope this node lacks, not one at a time (the transport is expected
 * to refuse a transfer whose envelope its receiver got meanwhile). Its hello carries no digest of what it
 * holds, so peers offer it everything.
 */
export function resendDropped(peers: Peers): DroppedEnvelopes {
  return new ResendDropped(peers)
}

class ResendDropped implements DroppedEnvelopes {
  /**
   * `evicted` added ids to some peer's wanted list in this event: `eventDone` has work. Other ids wanted
   * wait only on their peer's requests in flight, which only that peer's frames change (and ask for more).
   */
  private evictedWanted = false

  constructor(private readonly peers: Peers) {}

  heldDigest(): undefined {
    return undefined
  }

  mayOffer(): boolean {
    return true
  }

  mayRequest(): boolean {
    return true
  }

  /** Keeps who offered what: whom to ask again for an envelope evicted here. */
  offered(state: PeerState, ids: Uint8Array[]): void {
    const offered = (state.offered ??= new Set())
    for (const bytes of ids) offered.add(toHex(bytes))
  }

  refused(state: PeerState, id: string): void {
    state.offered?.delete(id)
  }

  /** An envelope evicted here is wanted again from every peer in contact that offered it. */
  evicted({ id, idBytes }: EnvelopeHeader): void {
    for (const state of this.peers.values()) {
      if (state.offered?.has(id) !== true) continue
      state.wanted.set(id, idBytes)
      this.evictedWanted = true
    }
  }

  offersBack(
    peer: string,
    state: PeerState,
    stored: EnvelopeSummary[],
    offers: OfferRequests,
    cycle: Cycle,
    out: EngineAction[]
  ): Uint8Array[] {
    return offers.offerableIds(peer, state, stored, cycle, out)
  }

  /** Requests from every peer what it offered and this node has evicted since. */
  eventDone(offers: OfferRequests, cycle: Cycle, out: EngineAction[]): void {
    if (!this.evictedWanted) return
    this.evictedWanted = false
    for (const [peer, state] of this.peers) {
      if (state.tags !== undefined && state.wanted.size > 0) offers.requestMore(peer, state, cycle, out)
    }
  }
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
