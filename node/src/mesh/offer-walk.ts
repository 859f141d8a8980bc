import { andThen as then, forEach, walk } from '../queue/index.ts'
import type { EnvelopeSummary, IdBuckets, Later, StoredReceipt } from '../queue/index.ts'
import { toHex } from '../wire/index.ts'
import { frameTo, sendIds } from './actions.ts'
import { OFFER_BATCH, REQUESTS_IN_FLIGHT } from './constants.ts'
import type { EngineContext } from './context.ts'
import type { Cycle } from './cycle.ts'
import type { EngineAction } from './engine-types.ts'
import type { MeshFrame } from './mesh.pb.ts'
import type { Outbox } from './outbox.ts'
import type { PeerState, Peers } from './peers.ts'
import type { DroppedEnvelopes, OfferRequests, SendOrder } from './profile.ts'
import type { Receipts } from './receipts.ts'

/**
 * The exchange of ids with each peer: our walk of the store that offers it what it may take, a batch at a
 * time (its own envelopes first, then by send order), and the requests for what it offers and we lack.
 */
export class OfferWalk implements OfferRequests {
  constructor(
    private readonly ctx: EngineContext,
    private readonly peers: Peers,
    private readonly outbox: Outbox,
    private readonly receipts: Receipts,
    private readonly dropped: DroppedEnvelopes,
    private readonly order: SendOrder
  ) {}

  /** Starts offering a peer everything it may take: its own envelopes first, then by priority and age. */
  start(peer: string, state: PeerState, cycle: Cycle, out: EngineAction[]): Later<void> {
    // A walk for the peer's own envelopes is skipped when the store holds none for its tags.
    const holdsForPeer = [...(state.tags ?? [])].some((tag) => this.ctx.store.holdsFor(tag))
    const { digest } = state
    state.digest = undefined
    state.offering = {
      pass: holdsForPeer ? 'direct' : 'relay',
      relayTakesDirect: !holdsForPeer,
      within: digest === undefined ? undefined : narrowing(cycle.envelopeDigest().differing(digest)),
      after: undefined,
      awaitingMore: false
    }
    return this.offerBatch(peer, state, cycle, out)
  }

  /** The peer asks for our next batch of offers. */
  more(peer: string, state: PeerState, cycle: Cycle, out: EngineAction[]): Later<void> {
    if (!state.offering.awaitingMore) return
    state.offering.awaitingMore = false
    return this.offerBatch(peer, state, cycle, out)
  }

  /** Starts the walk over for every peer that sent its hello: what was not due may be now. */
  restartAll(cycle: Cycle, out: EngineAction[]): Later<void> {
    return forEach([...this.peers], ([peer, state]) =>
      state.tags === undefined ? undefined : this.start(peer, state, cycle, out)
    )
  }

  /** Offers freshly stored envelopes to every peer in contact that may take them, but `except`. */
  offerNew(
    envelopes: EnvelopeSummary[],
    except: string | undefined,
    cycle: Cycle,
    out: EngineAction[]
  ): void {
    if (envelopes.length === 0) return
    for (const [peer, state] of this.peers) {
      if (peer === except || state.tags === undefined) continue
      this.send(peer, state, this.offerableIds(peer, state, envelopes, cycle, out), out)
    }
  }

  /** The ids of those envelopes that may be offered to a peer now. */
  offerableIds(
    peer: string,
    state: PeerState,
    envelopes: EnvelopeSummary[],
    cycle: Cycle,
    out: EngineAction[]
  ): Uint8Array[] {
    const ids: Uint8Array[] = []
    for (const envelope of envelopes) {
      if (this.offerable(peer, state, envelope, cycle, out) !== 'no') ids.push(envelope.header.idBytes)
    }
    return ids
  }

  /**
   * Offers ids, telling the peer whether a further batch of our walk for it will follow its `moreOffers`;
   * `first`: other fields of the first frame.
   */
  send(
    peer: string,
    state: PeerState,
    ids: Uint8Array[],
    out: EngineAction[],
    first: Partial<MeshFrame> = {}
  ): void {
    sendIds(peer, 'offers', ids, out, { offersComplete: !state.offering.awaitingMore }, first)
  }

  /** Takes a peer's offers: what we lack is wanted; what was delivered already is answered with receipts. */
  receive(
    peer: string,
    state: PeerState,
    offers: Uint8Array[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    const { maxWantedPerPeer } = this.ctx.policy
    const delivered: string[] = []
    const hints: StoredReceipt[] = []
    let ignored = 0
    this.dropped.offered(state, offers)
    for (const bytes of offers) {
      if (cycle.hasReceiptBytes(bytes)) {
        delivered.push(toHex(bytes))
        continue
      }
      if (cycle.hasEnvelopeBytes(bytes)) continue
      const id = toHex(bytes)
      // An unverified receipt stops nothing: the envelope is asked for all the same, and the peer, which holds it, can check the hint.
      const hint = this.receipts.hint(id)
      if (hint !== undefined) hints.push(hint)
      if (state.wanted.has(id)) continue
      if (state.wanted.size >= maxWantedPerPeer) ignored++
      else state.wanted.set(id, bytes)
    }
    if (ignored > 0) {
      const detail = `${ignored} offers past ${maxWantedPerPeer} ids wanted`
      this.ctx.tally.drop(out, 'over limit', detail, { peer }, ignored)
    }
    return this.receipts.answerOffers(peer, delivered, hints, cycle, out)
  }

  /**
   * Requests from a peer what it offered and we still lack, keeping a bounded
   * number in flight, and asks for its next batch of offers once few are left.
   */
  requestMore(peer: string, state: PeerState, cycle: Cycle, out: EngineAction[]): void {
    if (state.wanted.size === 0 && !state.moreOffersDue) return
    const requests: Uint8Array[] = []
    for (const [id, bytes] of state.wanted) {
      if (state.requested.size >= REQUESTS_IN_FLIGHT) break
      state.wanted.delete(id)
      if (cycle.hasEnvelope(id) || cycle.hasReceipt(id)) continue
      if (!this.dropped.mayRequest(id)) continue
      this.peers.markRequested(state, id)
      requests.push(bytes)
    }
    sendIds(peer, 'requests', requests, out)
    if (state.moreOffersDue && state.wanted.size < OFFER_BATCH) {
      state.moreOffersDue = false
      out.push(frameTo(peer, { moreOffers: true }))
    }
  }

  /** Walks on from where the last batch stopped until a batch is full or both passes are done. */
  private offerBatch(peer: string, state: PeerState, cycle: Cycle, out: EngineAction[]): Later<void> {
    const { offering } = state
    const ids: Uint8Array[] = []
    const walkOn = (): Later<void> => {
      if (offering.pass === 'done' || ids.length >= OFFER_BATCH) {
        offering.awaitingMore = offering.pass !== 'done'
        this.send(peer, state, ids, out)
        return
      }
      const passStart = ids.length
      return then(this.walkPass(peer, state, ids, cycle, out), (walkedToEnd) => {
        this.order.arrange(ids, passStart, this.ctx.random)
        if (walkedToEnd) {
          offering.pass = offering.pass === 'direct' ? 'relay' : 'done'
          offering.after = undefined
        }
        return walkOn()
      })
    }
    return walkOn()
  }

  /** Adds what the offering's pass takes to `ids` until the batch is full; whether it walked to the end. */
  private walkPass(
    peer: string,
    state: PeerState,
    ids: Uint8Array[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<boolean> {
    const { offering } = state
    const pages = this.ctx.store.summaries('send', offering.after, offering.within)
    const filled = walk(pages, (page) => {
      for (const summary of page) {
        offering.after = summary
        if (!cycle.stillHeld(summary.header.id)) continue
        const verdict = this.offerable(peer, state, summary, cycle, out)
        if (verdict === offering.pass || (verdict === 'direct' && offering.relayTakesDirect)) {
          ids.push(summary.header.idBytes)
        }
        if (ids.length >= OFFER_BATCH) return true
      }
      return false
    })
    return then(filled, (batchFull) => !batchFull)
  }

  /** Whether and how an envelope may be offered to a peer now; drops it if it is stale. */
  private offerable(
    peer: string,
    state: PeerState,
    summary: EnvelopeSummary,
    cycle: Cycle,
    out: EngineAction[]
  ): 'direct' | 'relay' | 'no' {
    const { header } = summary
    const now = this.ctx.clock.now()
    if (header.expiresAt <= now || !this.dropped.mayOffer(summary, peer)) return 'no'
    if (summary.origin === 'local' && !this.outbox.due(summary, now, cycle, out)) return 'no'
    if (state.view.takesTag(header.tag)) return 'direct'
    return summary.hopsLeft > 0 && this.ctx.strategy.shouldForward(summary, state.view) ? 'relay' : 'no'
  }
}

/** Buckets that leave out at least half of the id space, else undefined: a walk of all costs no more. */
function narrowing(within: IdBuckets): IdBuckets | undefined {
  return within.buckets.size * 2 <= 2 ** within.bits ? within : undefined
}
