import type { EnvelopeSummary, IdBuckets, IdDigest } from '../queue/index.ts'
import type { EngineHeld } from './engine-types.ts'
import type { PeerView } from './strategy.ts'

/** What the engine holds in memory for one peer in contact. */
export interface PeerState {
  /** Tags from its hello; undefined until the hello arrives, and nothing is offered before. */
  tags: Set<string> | undefined
  /** The digest of what it held when it sent its hello, until the first walk of our store uses it. */
  digest: IdDigest | undefined
  /**
   * Ids it offered that we lack and have not requested yet, in its order, by hex id, as bytes: they go out
   * as such. At most `maxWantedPerPeer`.
   */
  wanted: Map<string, Uint8Array>
  /** Ids it offered, kept only by a profile that asks again for what it dropped (`resendDropped`). */
  offered: Set<string> | undefined
  /** Ids requested from it and not yet received. */
  requested: Set<string>
  /** Ids we sent it that it has not acknowledged, with their sizes. */
  unacknowledged: Map<string, number>
  /** The sum of those sizes. */
  unacknowledgedBytes: number
  /** Copies handed out with the envelopes we sent it, until it acknowledges them (copy-counting strategies). */
  handedOut: Map<string, number>
  view: PeerView
  /** Our walk of the store that offers it what we hold, a batch at a time. */
  offering: Offering
  /** It sent us offers, its walk is not done, and it has not yet been asked for the next batch. */
  moreOffersDue: boolean
}

/**
 * Where a walk of the send order stands: first the peer's own envelopes
 * (`direct`), then the rest (`relay`). A batch is out and the walk waits for
 * the peer to ask for more while `awaitingMore`.
 */
export interface Offering {
  pass: 'direct' | 'relay' | 'done'
  /** The relay pass takes the peer's own envelopes too: when the store held none as the walk began. */
  relayTakesDirect: boolean
  /** Only ids in these buckets: where the peer's digest differs from ours (the first walk of a contact). */
  within: IdBuckets | undefined
  after: EnvelopeSummary | undefined
  awaitingMore: boolean
}

/** The peers in contact, in the order they came, and which of them each id is requested from. */
export class Peers implements Iterable<[string, PeerState]> {
  private readonly states = new Map<string, PeerState>()
  /** How many peers each id is requested from: whether it is requested at all, without a walk of the peers. */
  private readonly requestedFrom = new Map<string, number>()

  values(): Iterable<PeerState> {
    return this.states.values()
  }

  get(peer: string): PeerState | undefined {
    return this.states.get(peer)
  }

  [Symbol.iterator](): Iterator<[string, PeerState]> {
    return this.states[Symbol.iterator]()
  }

  /** A contact came up: a fresh state, replacing any the peer had. */
  add(peer: string): PeerState {
    const state: PeerState = {
      tags: undefined,
      digest: undefined,
      wanted: new Map(),
      offered: undefined,
      requested: new Set(),
      unacknowledged: new Map(),
      unacknowledgedBytes: 0,
      handedOut: new Map(),
      offering: {
        pass: 'done',
        relayTakesDirect: false,
        within: undefined,
        after: undefined,
        awaitingMore: false
      },
      moreOffersDue: false,
      view: { id: peer, takesTag: (tag) => state.tags?.has(tag) === true }
    }
    this.states.set(peer, state)
    return state
  }

  /** A contact ended: its state, whose requests are no longer awaited. */
  remove(peer: string): PeerState | undefined {
    const state = this.states.get(peer)
    this.states.delete(peer)
    if (state !== undefined) for (const id of state.requested) this.forgetRequest(id)
    return state
  }

  isRequested(id: string): boolean {
    return this.requestedFrom.has(id)
  }

  markRequested(state: PeerState, id: string): void {
    if (state.requested.has(id)) return
    state.requested.add(id)
    this.requestedFrom.set(id, (this.requestedFrom.get(id) ?? 0) + 1)
  }

  /** The id is no longer awaited from this peer (it came, was refused, or the contact ended). */
  requestDone(state: PeerState, id: string): void {
    if (state.requested.delete(id)) this.forgetRequest(id)
  }

  /** The peer answered for an envelope we sent it (took or refused it): whether we awaited that answer. */
  answered(state: PeerState, id: string): boolean {
    const size = state.unacknowledged.get(id)
    if (size === undefined) return false
    state.unacknowledged.delete(id)
    state.unacknowledgedBytes -= size
    return true
  }

  held(receiptHints: number): EngineHeld {
    const held = { wanted: 0, requested: 0, unacknowledged: 0, receiptHints }
    for (const state of this.states.values()) {
      held.wanted += state.wanted.size
      held.requested += state.requested.size
      held.unacknowledged += state.unacknowledged.size
    }
    return held
  }

  private forgetRequest(id: string): void {
    const count = this.requestedFrom.get(id) ?? 0
    if (count > 1) this.requestedFrom.set(id, count - 1)
    else this.requestedFrom.delete(id)
  }
}
