import { andThen as then, forEach, IdDigest, walk } from '../queue/index.ts'
import type { Later, MeshStore } from '../queue/index.ts'
import { fromHex, toHex } from '../wire/index.ts'
import { frameTo } from './actions.ts'
import { Admission } from './admission.ts'
import { IDS_PER_FRAME } from './constants.ts'
import { Tally } from './context.ts'
import type { EngineContext } from './context.ts'
import type { Cycle } from './cycle.ts'
import { CycleRunner } from './cycle-runner.ts'
import type {
  Attempts,
  Clock,
  EngineAction,
  EngineEvent,
  EngineHeld,
  EngineStats,
  LocalEndpoint
} from './engine-types.ts'
import { boundFrame } from './frame-bounds.ts'
import { HandOffs } from './hand-offs.ts'
import type { MeshFrame } from './mesh.pb.ts'
import { OfferWalk } from './offer-walk.ts'
import { Outbox } from './outbox.ts'
import { Peers } from './peers.ts'
import type { PeerState } from './peers.ts'
import { DEFAULT_POLICY } from './policy.ts'
import type { EnginePolicy } from './policy.ts'
import { DEFAULT_PROFILE } from './profile.ts'
import type { DroppedEnvelopes, EngineProfile } from './profile.ts'
import { Receipts } from './receipts.ts'
import { DEFAULT_STRATEGY } from './strategies.ts'
import type { ForwardingStrategy } from './strategy.ts'

export type {
  Acceptance,
  Attempts,
  Clock,
  DropReason,
  EngineAction,
  EngineEvent,
  EngineHeld,
  EngineStats,
  LocalEndpoint,
  SubmittedEnvelope,
  Unread
} from './engine-types.ts'

export interface EngineInit {
  store: MeshStore
  clock: Clock
  local: LocalEndpoint
  /** Missing fields take {@link DEFAULT_POLICY}'s values. */
  policy?: Partial<EnginePolicy>
  /** One instance per engine. @default DEFAULT_STRATEGY (epidemic) */
  strategy?: ForwardingStrategy
  /** Uniform in [0, 1): the jitter of retry delays. @default Math.random */
  random?: () => number
  /** Missing fields take {@link DEFAULT_PROFILE}'s: the daemon's behaviour. */
  profile?: Partial<EngineProfile>
}

/** The parts of a frame, in the order `framePart` handles them (refusals go with the hello). */
const FRAME_PARTS = ['acks', 'hello', 'moreOffers', 'receipts', 'offers', 'requests', 'envelopes'] as const
type FramePart = (typeof FRAME_PARTS)[number]

/**
 * The store-and-forward engine, free of I/O: events in, actions out, time
 * from the injected clock, state in the injected store. On contact, each side
 * says which tags it takes delivery for, offers the ids it holds (the peer's
 * own envelopes first, then by priority and age), and requests what it lacks
 * from the other's offers, a bounded number at a time. Events are processed
 * in arrival order; all events waiting when a cycle starts share one atomic
 * store write, and their actions are released only once it is on disk, so an
 * acknowledgement never precedes durability. Steps chain on the store's
 * answers (`Later`), so a store that answers at once gets each event
 * processed within the call.
 *
 * This class takes the events and hands each to the part whose job it is:
 * the offer walk, hand-offs, admission, receipts and the outbox.
 */
export class MeshEngine {
  readonly stats: EngineStats
  private readonly ctx: EngineContext
  private readonly peers = new Peers()
  private readonly outbox: Outbox
  private readonly receipts: Receipts
  private readonly dropped: DroppedEnvelopes
  private readonly offers: OfferWalk
  private readonly handOffs: HandOffs
  private readonly admission: Admission
  private readonly cycles: CycleRunner

  constructor(init: EngineInit) {
    const tally = new Tally()
    this.stats = tally.stats
    const ctx: EngineContext = {
      store: init.store,
      clock: init.clock,
      local: init.local,
      policy: { ...DEFAULT_POLICY, ...init.policy },
      strategy: init.strategy ?? DEFAULT_STRATEGY,
      random: init.random ?? Math.random,
      tally
    }
    this.ctx = ctx
    const profile = { ...DEFAULT_PROFILE, ...init.profile }
    this.outbox = new Outbox(ctx)
    this.receipts = new Receipts(ctx, this.peers, this.outbox, profile.receipts)
    this.dropped = profile.dropped(this.peers)
    this.offers = new OfferWalk(ctx, this.peers, this.outbox, this.receipts, this.dropped, profile.sendOrder)
    this.handOffs = new HandOffs(ctx, this.peers, this.outbox, this.dropped)
    this.admission = new Admission(
      ctx,
      this.peers,
      this.outbox,
      this.receipts,
      this.offers,
      this.dropped,
      profile.buffer
    )
    this.cycles = new CycleRunner(init.store, (event, cycle, out) => this.processEvent(event, cycle, out))
  }

  /** What it holds for its peers now; read between events. */
  held(): EngineHeld {
    return this.peers.held(this.receipts.hintCount)
  }

  async handle(event: EngineEvent): Promise<EngineAction[]> {
    return this.handleNow(event)
  }

  /**
   * As `handle`, with the actions at once instead of a promise when no event is waiting and the store
   * answers at once (the memory store: the simulator's loop then never suspends).
   */
  handleNow(event: EngineEvent): Later<EngineAction[]> {
    return this.cycles.run(event)
  }

  /** Resolves once every event handed in so far has been processed and committed. */
  async settled(): Promise<void> {
    await this.cycles.settled()
  }

  /**
   * Whether an envelope of `size` bytes fits the relay store as it stands, evicting nothing: a transport
   * that announces transfers (`incoming`) may skip those that fit. Read between events, when none is
   * being processed.
   */
  fits(size: number): boolean {
    return this.admission.fits(size)
  }

  /** The delivery attempts of an outbox envelope, if any were made. */
  attempts(id: string): Attempts | undefined {
    return this.outbox.get(id)
  }

  private processEvent(event: EngineEvent, cycle: Cycle, out: EngineAction[]): Later<void> {
    return then(this.process(event, cycle, out), () =>
      then(this.receipts.trim(cycle, out), () => {
        this.dropped.eventDone(this.offers, cycle, out)
      })
    )
  }

  private process(event: EngineEvent, cycle: Cycle, out: EngineAction[]): Later<void> {
    switch (event.kind) {
      case 'contact-up':
        this.contactUp(event.peer, cycle, out)
        return
      case 'contact-down':
        this.contactDown(event.peer, out)
        return
      case 'frame':
        return this.receiveFrame(event.peer, event.frame, cycle, out)
      case 'incoming':
        return this.admission.incoming(event.peer, event.header, cycle, out)
      case 'submit':
        return this.admission.submitted(event.envelopes, cycle, out)
      case 'sweep':
        return this.sweep(event.limit, cycle, out)
      case 'retry':
        this.outbox.timerFired()
        return this.offers.restartAll(cycle, out)
      case 'flush':
        this.outbox.flush()
        return this.offers.restartAll(cycle, out)
      case 'discard':
        return this.outbox.discard(event.ids, cycle, out)
    }
  }

  private contactUp(peer: string, cycle: Cycle, out: EngineAction[]): void {
    this.peers.add(peer)
    this.outbox.newContact()
    const now = this.ctx.clock.now()
    const shared = this.ctx.strategy.hello?.(now)
    const heldDigest = this.dropped.heldDigest(cycle)
    const hello = {
      tags: [...this.ctx.local.tags(now)].map(fromHex),
      ...(heldDigest === undefined ? {} : { heldDigest })
    }
    out.push(frameTo(peer, { hello: shared === undefined ? hello : { ...hello, strategy: shared } }))
  }

  private contactDown(peer: string, out: EngineAction[]): void {
    const state = this.peers.remove(peer)
    if (state === undefined) return
    this.ctx.strategy.parted?.(peer)
    this.handOffs.lost(peer, state, out)
  }

  private receiveFrame(peer: string, received: MeshFrame, cycle: Cycle, out: EngineAction[]): Later<void> {
    const { tally } = this.ctx
    const state = this.peers.get(peer)
    if (state === undefined) {
      tally.drop(out, 'malformed', 'frame from a peer not in contact', { peer })
      return
    }
    const { frame, malformed, overLimit } = boundFrame(received)
    if (malformed > 0)
      tally.drop(out, 'malformed', `${malformed} ids of the wrong length in a frame`, { peer }, malformed)
    if (overLimit > 0) {
      const detail = `${overLimit} items past ${IDS_PER_FRAME} in a frame's list`
      tally.drop(out, 'over limit', detail, { peer }, overLimit)
    }
    const parts = forEach(FRAME_PARTS, (part) => this.framePart(part, peer, state, frame, cycle, out))
    return then(parts, () => {
      this.offers.requestMore(peer, state, cycle, out)
    })
  }

  /** One part of a frame; a part that waits on the store holds up the parts after it. */
  private framePart(
    part: FramePart,
    peer: string,
    state: PeerState,
    frame: MeshFrame,
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    switch (part) {
      case 'acks':
        return frame.acks.length > 0 ? this.handOffs.acknowledged(state, frame.acks, cycle, out) : undefined
      case 'hello': {
        const refused =
          frame.refusals.length > 0
            ? this.handOffs.refused(peer, state, frame.refusals, cycle, out)
            : undefined
        const { hello } = frame
        if (hello === undefined) return refused
        return then(refused, () => {
          const tags = new Set(hello.tags.map(toHex))
          state.tags = tags
          state.digest = IdDigest.decode(hello.heldDigest)
          this.ctx.strategy.met?.(peer, tags, hello.strategy, this.ctx.clock.now())
          return this.offers.start(peer, state, cycle, out)
        })
      }
      case 'moreOffers':
        return frame.moreOffers ? this.offers.more(peer, state, cycle, out) : undefined
      case 'receipts':
        return frame.receipts.length > 0 ? this.receipts.receive(peer, frame.receipts, cycle, out) : undefined
      case 'offers':
        if (frame.offers.length === 0) return
        if (!frame.offersComplete) state.moreOffersDue = true
        return this.offers.receive(peer, state, frame.offers, cycle, out)
      case 'requests':
        return frame.requests.length > 0
          ? this.handOffs.requested(peer, state, frame.requests, cycle, out)
          : undefined
      case 'envelopes':
        return frame.envelopes.length > 0
          ? this.admission.received(peer, state, frame.envelopes, cycle, out)
          : undefined
    }
  }

  /** Deletes expired envelopes and receipts, at most `limit` of each; an outbox envelope fails as expired. */
  private sweep(limit: number, cycle: Cycle, out: EngineAction[]): Later<void> {
    const { store } = this.ctx
    const now = this.ctx.clock.now()
    let envelopes = 0
    let receipts = 0
    const sweptEnvelopes = walk(store.expiredEnvelopes(now), (summary) => {
      if (envelopes >= limit) return true
      if (!cycle.stillHeld(summary.header.id)) return false
      envelopes++
      if (summary.origin === 'local') this.outbox.expired(summary, cycle, out)
      else cycle.deleteEnvelope(summary)
      return false
    })
    const sweptReceipts = then(sweptEnvelopes, () =>
      walk(store.expiredReceipts(now), (receipt) => {
        if (receipts >= limit) return true
        if (!cycle.hasReceipt(receipt.id)) return false
        receipts++
        cycle.deleteReceipt(receipt)
        return false
      })
    )
    return then(sweptReceipts, () => {
      out.push({ kind: 'swept', envelopes, receipts })
    })
  }
}
