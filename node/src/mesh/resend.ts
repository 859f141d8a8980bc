import type { EnvelopeSummary } from '../queue/types.ts'
import { toHex } from '../wire/index.ts'
import type { EnvelopeHeader } from '../wire/index.ts'
import type { Cycle } from './cycle.ts'
import type { EngineAction } from './engine-types.ts'
import type { OfferWalk } from './offer-walk.ts'
import type { PeerState, Peers } from './peers.ts'
import type { DroppedEnvelopes } from './profile.ts'

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
  /** The ids each peer in contact offered: whom to ask again for an envelope evicted here. */
  private readonly offeredBy = new WeakMap<PeerState, Set<string>>()
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

  offered(state: PeerState, ids: Uint8Array[]): void {
    let offered = this.offeredBy.get(state)
    if (offered === undefined) {
      offered = new Set()
      this.offeredBy.set(state, offered)
    }
    for (const bytes of ids) offered.add(toHex(bytes))
  }

  refused(state: PeerState, id: string): void {
    this.offeredBy.get(state)?.delete(id)
  }

  /** An envelope evicted here is wanted again from every peer in contact that offered it. */
  evicted({ id, idBytes }: EnvelopeHeader): void {
    for (const state of this.peers.values()) {
      if (this.offeredBy.get(state)?.has(id) !== true) continue
      state.wanted.set(id, idBytes)
      this.evictedWanted = true
    }
  }

  offersBack(
    peer: string,
    state: PeerState,
    stored: EnvelopeSummary[],
    walk: OfferWalk,
    cycle: Cycle,
    out: EngineAction[]
  ): Uint8Array[] {
    return walk.offerableIds(peer, state, stored, cycle, out)
  }

  /** Requests from every peer what it offered and this node has evicted since. */
  eventDone(walk: OfferWalk, cycle: Cycle, out: EngineAction[]): void {
    if (!this.evictedWanted) return
    this.evictedWanted = false
    for (const [peer, state] of this.peers) {
      if (state.tags !== undefined && state.wanted.size > 0) walk.requestMore(peer, state, cycle, out)
    }
  }
}
