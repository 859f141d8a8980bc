import { hash } from 'node:crypto'
import { andThen as then, forEach, IdDigest, PRIORITY_RANK, walk } from '../queue/index.ts'
import type {
  EnvelopeSummary,
  FailedMessage,
  IdBuckets,
  Later,
  MeshStore,
  StoredEnvelope,
  StoredReceipt,
  StoreOp
} from '../queue/index.ts'
import { decodeEnvelope, encodeEnvelope, fromHex, readHeader, toHex } from '../wire/index.ts'
import type { DecodedEnvelope, EnvelopeHeader } from '../wire/index.ts'
import { FRAME_TARGET_BYTES, IDS_PER_FRAME, OFFER_BATCH, REQUESTS_IN_FLIGHT } from './constants.ts'
import { Cycle } from './cycle.ts'
import { boundFrame } from './frame-bounds.ts'
import { meshFrame } from './frames.ts'
import type { MeshFrame, Receipt } from './mesh.pb.ts'
import { DEFAULT_POLICY, retryDelay } from './policy.ts'
import { ReceiptHints } from './receipt-hints.ts'
import { RecentEnvelopes } from './recent.ts'
import { PERMANENT_REFUSALS, tooLargeId } from './refusals.ts'
import type { EnginePolicy } from './policy.ts'
import { DEFAULT_STRATEGY } from './strategies.ts'
import type { ForwardingStrategy, PeerView } from './strategy.ts'

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

interface PeerState {
  /** Tags from its hello; undefined until the hello arrives, and nothing is offered before. */
  tags: Set<string> | undefined
  /** The digest of what it held when it sent its hello, until the first walk of our store uses it. */
  digest: IdDigest | undefined
  /**
   * Ids it offered that we lack and have not requested yet, in its order, by hex id, as bytes: they go out
   * as such. At most `maxWantedPerPeer`.
   */
  wanted: Map<string, Uint8Array>
  /** Ids it offered, kept under `resendDropped` only: whom to ask again for an envelope evicted here. */
  offered: Set<string>
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
interface Offering {
  pass: 'direct' | 'relay' | 'done'
  /** The relay pass takes the peer's own envelopes too: when the store held none as the walk began. */
  relayTakesDirect: boolean
  /** Only ids in these buckets: where the peer's digest differs from ours (the first walk of a contact). */
  within: IdBuckets | undefined
  after: EnvelopeSummary | undefined
  awaitingMore: boolean
}

interface Pending {
  event: EngineEvent
  resolve: (actions: EngineAction[]) => void
  reject: (err: Error) => void
}

type Admission =
  | { kind: 'delivered'; receipts: StoredReceipt[] }
  | { kind: 'stored' }
  | { kind: 'refused'; reason: DropReason }

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
 */
export class MeshEngine {
  readonly stats: EngineStats = { dropped: {}, refusedByPeer: {}, failed: {} }
  private readonly store: MeshStore
  private readonly clock: Clock
  private readonly local: LocalEndpoint
  private readonly policy: EnginePolicy
  private readonly strategy: ForwardingStrategy
  private readonly random: () => number
  private readonly peers = new Map<string, PeerState>()
  private readonly outboxAttempts = new Map<string, Attempts>()
  /** How many peers each id is requested from: whether it is requested at all, without a walk of the peers. */
  private readonly requestedFrom = new Map<string, number>()
  private readonly hints: ReceiptHints
  /** Undefined where the store's content is in memory already. */
  private readonly recent: RecentEnvelopes | undefined
  private timerAt = Infinity
  /**
   * `wantAgain` added ids to some peer's wanted list in this event: `askAgain` has work. Other ids wanted
   * wait only on their peer's requests in flight, which only that peer's frames change (and ask for more).
   */
  private evictedWanted = false
  private queue: Pending[] = []
  /** A cycle is being processed (`running`: one that waits on the store, and the events queued behind it). */
  private draining = false
  private running: Promise<void> | undefined

  constructor(init: EngineInit) {
    this.store = init.store
    this.recent = init.store.contentInMemory ? undefined : new RecentEnvelopes()
    this.clock = init.clock
    this.local = init.local
    this.policy = { ...DEFAULT_POLICY, ...init.policy }
    this.strategy = init.strategy ?? DEFAULT_STRATEGY
    this.random = init.random ?? Math.random
    this.hints = new ReceiptHints(this.policy.maxReceiptHintsPerPeer, this.policy.maxReceiptHints)
  }

  /** What it holds for its peers now; read between events. */
  held(): EngineHeld {
    const held = { wanted: 0, requested: 0, unacknowledged: 0, receiptHints: this.hints.size }
    for (const state of this.peers.values()) {
      held.wanted += state.wanted.size
      held.requested += state.requested.size
      held.unacknowledged += state.unacknowledged.size
    }
    return held
  }

  async handle(event: EngineEvent): Promise<EngineAction[]> {
    return this.handleNow(event)
  }

  /**
   * As `handle`, with the actions at once instead of a promise when no event is waiting and the store
   * answers at once (the memory store: the simulator's loop then never suspends).
   */
  handleNow(event: EngineEvent): Later<EngineAction[]> {
    if (this.draining) return new Promise((resolve, reject) => this.queue.push({ event, resolve, reject }))
    this.draining = true
    let done: Later<EngineAction[]>
    try {
      done = this.runOne(event)
    } catch (err) {
      this.draining = false
      throw err
    }
    if (done instanceof Promise) {
      const drainQueued = (): Promise<void> => this.drainQueued()
      this.running = done.then(drainQueued, drainQueued)
      return done
    }
    if (this.queue.length > 0) this.running = this.drainQueued()
    else this.draining = false
    return done
  }

  /** Resolves once every event handed in so far has been processed and committed. */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  /**
   * Whether an envelope of `size` bytes fits the relay store as it stands, evicting nothing: a transport
   * that announces transfers (`incoming`) may skip those that fit. Read between events, when none is
   * being processed.
   */
  fits(size: number): boolean {
    const { relayBytes, outboxBytes } = this.store.counts()
    return this.excess(relayBytes, outboxBytes, size) <= 0
  }

  /** The delivery attempts of an outbox envelope, if any were made. */
  attempts(id: string): Attempts | undefined {
    return this.outboxAttempts.get(id)
  }

  /** Runs the events that arrived while a cycle waited on the store, all waiting ones as one batch. */
  private async drainQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      try {
        const results = await this.runBatch(batch.map((pending) => pending.event))
        batch.forEach((pending, i) => {
          pending.resolve(results[i] ?? [])
        })
      } catch (err) {
        for (const pending of batch) pending.reject(err as Error)
      }
    }
    this.running = undefined
    this.draining = false
  }

  /** One event as a cycle of its own: the event, then its atomic write; its actions. */
  private runOne(event: EngineEvent): Later<EngineAction[]> {
    const cycle = new Cycle(this.store, this.recent)
    const actions: EngineAction[] = []
    return then(this.processEvent(event, cycle, actions), () => then(this.commit(cycle), () => actions))
  }

  /** One cycle for several events: each in order, then their one atomic write; each event's actions. */
  private runBatch(events: readonly EngineEvent[]): Later<EngineAction[][]> {
    const cycle = new Cycle(this.store, this.recent)
    const results: EngineAction[][] = []
    const processed = forEach(events, (event) => {
      const actions: EngineAction[] = []
      results.push(actions)
      return this.processEvent(event, cycle, actions)
    })
    return then(processed, () => then(this.commit(cycle), () => results))
  }

  private processEvent(event: EngineEvent, cycle: Cycle, out: EngineAction[]): Later<void> {
    const processed = then(this.process(event, cycle, out), () =>
      cycle.receiptCount() > this.policy.maxReceipts ? this.trimReceipts(cycle, out) : undefined
    )
    if (!this.policy.resendDropped) return processed
    return then(processed, () => {
      if (this.evictedWanted) this.askAgain(cycle, out)
    })
  }

  /** Deletes the stored receipts that expire soonest until at most `maxReceipts` are kept. */
  private trimReceipts(cycle: Cycle, out: EngineAction[]): Later<void> {
    let trimmed = 0
    const walked = walk(this.store.expiredReceipts(Number.MAX_SAFE_INTEGER), (receipt) => {
      if (cycle.receiptCount() <= this.policy.maxReceipts) return true
      if (cycle.hasReceipt(receipt.id)) {
        cycle.deleteReceipt(receipt)
        trimmed++
      }
      return false
    })
    return then(walked, () => {
      if (trimmed === 0) return
      this.drop(out, 'receipt quota', `${trimmed} receipts past ${this.policy.maxReceipts}`, {}, trimmed)
    })
  }

  /** Writes a cycle's ops in one atomic batch. */
  private commit(cycle: Cycle): Later<void> {
    if (cycle.ops.length === 0) return
    return then(this.store.apply(cycle.ops), () => {
      this.recent?.committed(cycle.ops)
    })
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
        return this.incoming(event.peer, event.header, cycle, out)
      case 'submit':
        return this.submit(event.envelopes, cycle, out)
      case 'sweep':
        return this.sweep(event.limit, cycle, out)
      case 'retry':
        this.timerAt = Infinity
        return this.offerToAll(cycle, out)
      case 'flush':
        for (const attempts of this.outboxAttempts.values()) attempts.nextAttemptAt = 0
        return this.offerToAll(cycle, out)
      case 'discard':
        return this.discard(event.ids, cycle, out)
    }
  }

  private contactUp(peer: string, cycle: Cycle, out: EngineAction[]): void {
    const state: PeerState = {
      tags: undefined,
      digest: undefined,
      wanted: new Map(),
      offered: new Set(),
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
    this.peers.set(peer, state)
    for (const attempts of this.outboxAttempts.values()) {
      attempts.failures = 0
      attempts.nextAttemptAt = 0
    }
    const now = this.clock.now()
    const shared = this.strategy.hello?.(now)
    // A node that asks again for what it dropped needs to hear of every id the peer holds: no digest then.
    const hello = {
      tags: [...this.local.tags(now)].map(fromHex),
      ...(this.policy.resendDropped ? {} : { heldDigest: cycle.envelopeDigest().encode() })
    }
    out.push(this.frame(peer, { hello: shared === undefined ? hello : { ...hello, strategy: shared } }))
  }

  private contactDown(peer: string, out: EngineAction[]): void {
    const state = this.peers.get(peer)
    this.peers.delete(peer)
    if (state === undefined) return
    this.strategy.parted?.(peer)
    for (const id of state.requested) this.forgetRequest(id)
    for (const id of state.unacknowledged.keys())
      this.failed(id, `contact with ${peer} lost before its ack`, out)
  }

  private receiveFrame(peer: string, received: MeshFrame, cycle: Cycle, out: EngineAction[]): Later<void> {
    const state = this.peers.get(peer)
    if (state === undefined) {
      this.drop(out, 'malformed', 'frame from a peer not in contact', { peer })
      return
    }
    const { frame, malformed, overLimit } = boundFrame(received)
    if (malformed > 0)
      this.drop(out, 'malformed', `${malformed} ids of the wrong length in a frame`, { peer }, malformed)
    if (overLimit > 0)
      this.drop(
        out,
        'over limit',
        `${overLimit} items past ${IDS_PER_FRAME} in a frame's list`,
        { peer },
        overLimit
      )
    const parts = forEach(FRAME_PARTS, (part) => this.framePart(part, peer, state, frame, cycle, out))
    return then(parts, () => {
      this.requestMore(peer, state, cycle, out)
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
        return frame.acks.length > 0 ? this.acknowledged(state, frame.acks, cycle, out) : undefined
      case 'hello': {
        const refused =
          frame.refusals.length > 0 ? this.refusedByPeer(peer, state, frame.refusals, cycle, out) : undefined
        const { hello } = frame
        if (hello === undefined) return refused
        return then(refused, () => {
          const tags = new Set(hello.tags.map(toHex))
          state.tags = tags
          state.digest = IdDigest.decode(hello.heldDigest)
          this.strategy.met?.(peer, tags, hello.strategy, this.clock.now())
          return this.startOffering(peer, state, cycle, out)
        })
      }
      case 'moreOffers':
        if (!frame.moreOffers || !state.offering.awaitingMore) return
        state.offering.awaitingMore = false
        return this.offerBatch(peer, state, cycle, out)
      case 'receipts':
        return frame.receipts.length > 0 ? this.receiveReceipts(peer, frame.receipts, cycle, out) : undefined
      case 'offers':
        if (frame.offers.length === 0) return
        if (!frame.offersComplete) state.moreOffersDue = true
        return this.receiveOffers(peer, state, frame.offers, cycle, out)
      case 'requests':
        return frame.requests.length > 0
          ? this.receiveRequests(peer, state, frame.requests, cycle, out)
          : undefined
      case 'envelopes':
        return frame.envelopes.length > 0
          ? this.receiveEnvelopes(peer, state, frame.envelopes, cycle, out)
          : undefined
    }
  }

  /** Starts offering a peer everything it may take: its own envelopes first, then by priority and age. */
  private startOffering(peer: string, state: PeerState, cycle: Cycle, out: EngineAction[]): Later<void> {
    // A walk for the peer's own envelopes is skipped when the store holds none for its tags.
    const holdsForPeer = [...(state.tags ?? [])].some((tag) => this.store.holdsFor(tag))
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

  /** Walks on from where the last batch stopped until a batch is full or both passes are done. */
  private offerBatch(peer: string, state: PeerState, cycle: Cycle, out: EngineAction[]): Later<void> {
    const { offering } = state
    const ids: Uint8Array[] = []
    const walkOn = (): Later<void> => {
      if (offering.pass === 'done' || ids.length >= OFFER_BATCH) {
        offering.awaitingMore = offering.pass !== 'done'
        this.sendOffers(peer, state, ids, out)
        return
      }
      const passStart = ids.length
      return then(this.walkPass(peer, state, ids, cycle, out), (walkedToEnd) => {
        if (this.policy.randomSendOrder) shuffle(ids, passStart, this.random)
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
    const pages = this.store.summaries('send', offering.after, offering.within)
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

  private offerToAll(cycle: Cycle, out: EngineAction[]): Later<void> {
    return forEach([...this.peers], ([peer, state]) =>
      state.tags === undefined ? undefined : this.startOffering(peer, state, cycle, out)
    )
  }

  /** Offers freshly stored envelopes to every peer in contact that may take them, but `except`. */
  private offerNew(
    envelopes: EnvelopeSummary[],
    except: string | undefined,
    cycle: Cycle,
    out: EngineAction[]
  ): void {
    if (envelopes.length === 0) return
    for (const [peer, state] of this.peers) {
      if (peer === except || state.tags === undefined) continue
      this.sendOffers(peer, state, this.offerableIds(peer, state, envelopes, cycle, out), out)
    }
  }

  /** The ids of those envelopes that may be offered to a peer now. */
  private offerableIds(
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

  /** Whether and how an envelope may be offered to a peer now; drops it if it is stale. */
  private offerable(
    peer: string,
    state: PeerState,
    summary: EnvelopeSummary,
    cycle: Cycle,
    out: EngineAction[]
  ): 'direct' | 'relay' | 'no' {
    const { header } = summary
    const now = this.clock.now()
    if (header.expiresAt <= now || (summary.fromPeer === peer && !this.policy.resendDropped)) return 'no'
    if (summary.origin === 'local') {
      if (header.priority === 'low' && now - summary.receivedAt > this.policy.staleLowAfter) {
        this.fail(summary, 'stale', `low priority and older than ${this.policy.staleLowAfter} ms`, cycle, out)
        return 'no'
      }
      const attempts = this.outboxAttempts.get(header.id)
      if (attempts !== undefined && attempts.nextAttemptAt > now) {
        this.wakeAt(attempts.nextAttemptAt, out)
        return 'no'
      }
    }
    if (state.view.takesTag(header.tag)) return 'direct'
    return summary.hopsLeft > 0 && this.strategy.shouldForward(summary, state.view) ? 'relay' : 'no'
  }

  private receiveOffers(
    peer: string,
    state: PeerState,
    offers: Uint8Array[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    const delivered: string[] = []
    const hints: StoredReceipt[] = []
    let ignored = 0
    for (const bytes of offers) {
      if (this.policy.resendDropped) state.offered.add(toHex(bytes))
      if (cycle.hasReceiptBytes(bytes)) {
        delivered.push(toHex(bytes))
        continue
      }
      if (cycle.hasEnvelopeBytes(bytes)) continue
      const id = toHex(bytes)
      // An unverified receipt stops nothing: the envelope is asked for all the same, and the peer, which holds it, can check the hint.
      const hint = this.hints.get(id)
      if (hint !== undefined) hints.push(hint)
      if (state.wanted.has(id)) continue
      if (state.wanted.size >= this.policy.maxWantedPerPeer) ignored++
      else state.wanted.set(id, bytes)
    }
    if (ignored > 0)
      this.drop(
        out,
        'over limit',
        `${ignored} offers past ${this.policy.maxWantedPerPeer} ids wanted`,
        { peer },
        ignored
      )
    if (!this.policy.shareReceipts) return
    if (hints.length > 0) this.sendReceipts(peer, hints, out, true)
    if (delivered.length === 0) return
    return then(cycle.receipts(delivered), (receipts) => {
      this.sendReceipts(peer, receipts, out)
    })
  }

  /**
   * Requests from a peer what it offered and we still lack, keeping a bounded
   * number in flight, and asks for its next batch of offers once few are left.
   */
  private requestMore(peer: string, state: PeerState, cycle: Cycle, out: EngineAction[]): void {
    if (state.wanted.size === 0 && !state.moreOffersDue) return
    const requests: Uint8Array[] = []
    for (const [id, bytes] of state.wanted) {
      if (state.requested.size >= REQUESTS_IN_FLIGHT) break
      state.wanted.delete(id)
      if (cycle.hasEnvelope(id) || cycle.hasReceipt(id)) continue
      if (!this.policy.resendDropped && this.requestedFrom.has(id)) continue
      this.markRequested(state, id)
      requests.push(bytes)
    }
    this.sendIds(peer, 'requests', requests, out)
    if (state.moreOffersDue && state.wanted.size < OFFER_BATCH) {
      state.moreOffersDue = false
      out.push(this.frame(peer, { moreOffers: true }))
    }
  }

  /** Under `resendDropped`: requests from every peer what it offered and this node has evicted since. */
  private askAgain(cycle: Cycle, out: EngineAction[]): void {
    this.evictedWanted = false
    for (const [peer, state] of this.peers) {
      if (state.tags !== undefined && state.wanted.size > 0) this.requestMore(peer, state, cycle, out)
    }
  }

  private markRequested(state: PeerState, id: string): void {
    if (state.requested.has(id)) return
    state.requested.add(id)
    this.requestedFrom.set(id, (this.requestedFrom.get(id) ?? 0) + 1)
  }

  /** The id is no longer awaited from this peer (it came, was refused, or the contact ended). */
  private requestDone(state: PeerState, id: string): void {
    if (state.requested.delete(id)) this.forgetRequest(id)
  }

  private forgetRequest(id: string): void {
    const count = this.requestedFrom.get(id) ?? 0
    if (count > 1) this.requestedFrom.set(id, count - 1)
    else this.requestedFrom.delete(id)
  }

  private receiveRequests(
    peer: string,
    state: PeerState,
    requests: Uint8Array[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    // Only as many as the peer may still have unacknowledged are read; the rest are refused unread.
    const room = Math.max(0, this.policy.maxUnacknowledgedPerPeer - state.unacknowledged.size)
    const honoured = requests.length > room ? requests.slice(0, room) : requests
    const busy = requests.slice(honoured.length)
    return then(cycle.envelopes(honoured.map(toHex)), (envelopes) => {
      this.sendRequested(peer, state, honoured, envelopes, busy, out)
    })
  }

  /**
   * Sends the envelopes a peer requested, refusing those no longer held, and as `busy` those past what the
   * peer may hold unacknowledged (`busy`: requests past that count, not read).
   */
  private sendRequested(
    peer: string,
    state: PeerState,
    requests: Uint8Array[],
    envelopes: (StoredEnvelope | undefined)[],
    busy: Uint8Array[],
    out: EngineAction[]
  ): void {
    const now = this.clock.now()
    const encoded: Uint8Array[] = []
    const headers: EnvelopeHeader[] = []
    const refusals: MeshFrame.Refusal[] = []
    envelopes.forEach((envelope, i) => {
      const envelopeId = requests[i] ?? new Uint8Array()
      if (envelope === undefined || envelope.header.expiresAt <= now) {
        refusals.push({ envelopeId, reason: 'gone' })
        return
      }
      const { id, size } = envelope.header
      if (state.unacknowledged.has(id)) return
      if (state.unacknowledgedBytes + size > this.policy.maxUnacknowledgedBytesPerPeer) {
        busy.push(envelopeId)
        return
      }
      state.unacknowledged.set(id, size)
      state.unacknowledgedBytes += size
      if (envelope.origin === 'local') this.attempted(envelope.header.id)
      const copies = this.strategy.handOut?.(envelope, state.view)
      if (copies !== undefined) state.handedOut.set(envelope.header.id, copies)
      encoded.push(encodeEnvelope(envelope.content, Math.max(0, envelope.hopsLeft - 1), copies))
      headers.push(envelope.header)
    })
    if (busy.length > 0) {
      const { maxUnacknowledgedPerPeer: count, maxUnacknowledgedBytesPerPeer: bytes } = this.policy
      const detail = `${busy.length} requests past ${count} envelopes or ${bytes} bytes unacknowledged`
      this.drop(out, 'over limit', detail, { peer }, busy.length)
      for (const envelopeId of busy) refusals.push({ envelopeId, reason: 'busy' })
    }
    if (refusals.length > 0) out.push(this.frame(peer, { refusals }))
    let start = 0
    let frameBytes = 0
    encoded.forEach((bytes, i) => {
      frameBytes += bytes.length
      if (frameBytes < FRAME_TARGET_BYTES && i < encoded.length - 1) return
      const frame = meshFrame({ envelopes: encoded.slice(start, i + 1) })
      out.push({ kind: 'send', peer, frame, headers: headers.slice(start, i + 1) })
      start = i + 1
      frameBytes = 0
    })
  }

  private receiveEnvelopes(
    peer: string,
    state: PeerState,
    raw: Uint8Array[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    const now = this.clock.now()
    const acks: Uint8Array[] = []
    const refusals: MeshFrame.Refusal[] = []
    const stored: StoredEnvelope[] = []
    const receipts: StoredReceipt[] = []
    const decoded: DecodedEnvelope[] = []
    for (const bytes of raw) {
      try {
        decoded.push(decodeEnvelope(bytes, this.policy))
      } catch (err) {
        const idBytes = tooLargeId(bytes, err)
        if (idBytes === undefined) {
          this.drop(out, 'malformed', (err as Error).message, { peer })
          continue
        }
        const id = toHex(idBytes)
        this.requestDone(state, id)
        this.drop(out, 'too large', (err as Error).message, { peer, id })
        refusals.push({ envelopeId: idBytes, reason: 'too large' })
      }
    }
    const takeIn = ({ header, content, hopsLeft, copies }: DecodedEnvelope): Later<void> => {
      this.requestDone(state, header.id)
      if (header.expiresAt <= now) {
        this.drop(out, 'expired', 'arrived expired', { peer, id: header.id })
        return
      }
      const envelope: StoredEnvelope = {
        header,
        content,
        hopsLeft,
        origin: 'relay',
        receivedAt: now,
        fromPeer: peer,
        recipient: '',
        ...(copies === undefined ? {} : { copies })
      }
      const hint = this.hints.get(header.id)
      if (hint !== undefined) {
        this.hints.delete(header.id)
        if (receiptMatches(hint.secret, envelope)) {
          acks.push(header.idBytes)
          this.drop(out, 'already delivered', 'a receipt hint for it matches', { peer, id: header.id })
          cycle.putReceipt(hint)
          receipts.push(hint)
          return
        }
      }
      return then(cycle.receipt(header.id), (receipt) => {
        if (receipt !== undefined) {
          if (receiptMatches(receipt.secret, envelope)) {
            acks.push(header.idBytes)
            this.drop(out, 'already delivered', 'a receipt for it is known', { peer, id: header.id })
            if (this.policy.shareReceipts) this.sendReceipts(peer, [receipt], out)
            return
          }
          cycle.deleteReceipt(receipt)
        }
        if (cycle.hasEnvelope(header.id)) {
          acks.push(header.idBytes)
          return
        }
        return then(this.admit(envelope, cycle, out), (admission) => {
          if (admission.kind === 'refused') {
            refusals.push({ envelopeId: header.idBytes, reason: admission.reason })
            this.countRefusal(peer, admission.reason)
            return
          }
          acks.push(header.idBytes)
          if (admission.kind === 'delivered') receipts.push(...admission.receipts)
          else stored.push(envelope)
        })
      })
    }
    const prefetched = cycle.prefetchReceipts(decoded.map(({ header }) => header.id))
    return then(
      then(prefetched, () => forEach(decoded, takeIn)),
      () => {
        // A node that gets again what it dropped offers what it stored to the sender too: in the answer.
        const answer = { acks, refusals }
        const back = this.policy.resendDropped ? this.offerableIds(peer, state, stored, cycle, out) : []
        if (back.length > 0) this.sendOffers(peer, state, back, out, answer)
        else if (acks.length > 0 || refusals.length > 0) out.push(this.frame(peer, answer))
        this.spreadReceipts(receipts, out)
        this.offerNew(stored, peer, cycle, out)
      }
    )
  }

  /** Takes an envelope in: delivers it if it is ours, else keeps it for relaying, within the quotas. */
  private admit(envelope: StoredEnvelope, cycle: Cycle, out: EngineAction[]): Later<Admission> {
    if (!this.local.tags(this.clock.now()).has(envelope.header.tag)) return this.keep(envelope, cycle, out)
    return then(this.local.accept(envelope), (acceptance) => {
      if (acceptance === undefined) return this.keep(envelope, cycle, out)
      if ('kept' in acceptance) return this.keepUnread(envelope, acceptance, cycle, out)
      return this.deliverHere(envelope, acceptance, cycle, out)
    })
  }

  /** Keeps the copy of an envelope our user cannot read yet; the user keeps its part only if the copy is. */
  private keepUnread(
    envelope: StoredEnvelope,
    unread: Unread,
    cycle: Cycle,
    out: EngineAction[]
  ): Later<Admission> {
    return then(this.keep(envelope, cycle, out), (admission) =>
      admission.kind === 'stored' ? then(unread.kept(), () => admission) : admission
    )
  }

  /** Commits the receipt of an envelope our user accepted (and of those it made readable). */
  private deliverHere(
    envelope: StoredEnvelope,
    acceptance: Acceptance,
    cycle: Cycle,
    out: EngineAction[]
  ): Later<Admission> {
    const { header } = envelope
    if (!receiptMatches(acceptance.receiptSecret, envelope))
      return { kind: 'refused', reason: 'not acceptable' }
    const receipt = { id: header.id, secret: acceptance.receiptSecret, expiresAt: header.expiresAt }
    cycle.putReceipt(receipt)
    cycle.ops.push(...acceptance.ops)
    out.push({ kind: 'delivered', id: header.id })
    return then(this.lateReceipts(acceptance.late ?? [], cycle, out), (late) => ({
      kind: 'delivered' as const,
      receipts: [receipt, ...late]
    }))
  }

  /** Keeps an envelope that is not for our user, within the quotas, making room if it must. */
  private keep(envelope: StoredEnvelope, cycle: Cycle, out: EngineAction[]): Later<Admission> {
    const { header } = envelope
    if (envelope.origin === 'relay') {
      const over = this.quotaExceeded(envelope.fromPeer, header, cycle)
      if (over !== undefined) return this.refuse(out, over, envelope)
    }
    const room =
      envelope.origin === 'relay' || this.policy.outboxInRelayStore ? this.makeRoom(header, cycle, out) : true
    return then(room, (made): Admission => {
      if (!made) return this.refuse(out, 'store full', envelope)
      cycle.putEnvelope(envelope)
      return { kind: 'stored' }
    })
  }

  /** Makes room for an envelope that starts arriving from a peer, if it would be kept for relaying. */
  private incoming(peer: string, header: EnvelopeHeader, cycle: Cycle, out: EngineAction[]): Later<void> {
    const now = this.clock.now()
    const { id, tag } = header
    if (header.expiresAt <= now || cycle.hasEnvelope(id) || cycle.hasReceipt(id)) return
    if (this.local.tags(now).has(tag) || this.quotaExceeded(peer, header, cycle) !== undefined) return
    return then(this.makeRoom(header, cycle, out), () => undefined)
  }

  /** The quota an envelope relayed from `peer` would exceed, if any (unlimited ones are not counted). */
  private quotaExceeded(peer: string, header: EnvelopeHeader, cycle: Cycle): DropReason | undefined {
    const { maxRelayBytesPerPeer, maxRelayBytesPerRecipient } = this.policy
    if (maxRelayBytesPerPeer !== Infinity && cycle.relayBytesFrom(peer) + header.size > maxRelayBytesPerPeer)
      return 'peer quota'
    if (
      maxRelayBytesPerRecipient !== Infinity &&
      cycle.relayBytesFor(header.tag) + header.size > maxRelayBytesPerRecipient
    )
      return 'recipient quota'
    return undefined
  }

  /**
   * Delivers envelopes held unread until now: each whose copy is still held and matches its receipt loses
   * its copy and gets its receipt. One no longer held (expired, evicted), or whose secret does not match,
   * gets none.
   */
  private lateReceipts(
    late: { id: string; secret: Uint8Array }[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<StoredReceipt[]> {
    if (late.length === 0) return []
    return then(cycle.envelopes(late.map(({ id }) => id)), (envelopes) =>
      this.deliverLate(late, envelopes, cycle, out)
    )
  }

  private deliverLate(
    late: { id: string; secret: Uint8Array }[],
    envelopes: (StoredEnvelope | undefined)[],
    cycle: Cycle,
    out: EngineAction[]
  ): StoredReceipt[] {
    const receipts: StoredReceipt[] = []
    late.forEach(({ id, secret }, i) => {
      const envelope = envelopes[i]
      if (envelope === undefined || !cycle.hasEnvelope(id) || cycle.hasReceipt(id)) return
      if (!receiptMatches(secret, envelope)) return
      cycle.deleteEnvelope(envelope)
      const receipt = { id, secret, expiresAt: envelope.header.expiresAt }
      cycle.putReceipt(receipt)
      out.push({ kind: 'delivered', id })
      receipts.push(receipt)
    })
    return receipts
  }

  private refuse(out: EngineAction[], reason: DropReason, envelope: EnvelopeSummary): Admission {
    this.drop(out, reason, `refused ${envelope.header.size} bytes`, {
      peer: envelope.fromPeer,
      id: envelope.header.id
    })
    return { kind: 'refused', reason }
  }

  /** Bytes over the relay store's cap once `size` more are in, given what it holds. */
  private excess(relayBytes: number, outboxBytes: number, size: number): number {
    return relayBytes + (this.policy.outboxInRelayStore ? outboxBytes : 0) + size - this.policy.maxRelayBytes
  }

  /**
   * Evicts relay envelopes until `incoming` fits under the store's byte cap:
   * expired ones first, then low, then the oldest normal, critical last, and
   * never one of higher priority than the incoming envelope.
   */
  private makeRoom(incoming: EnvelopeHeader, cycle: Cycle, out: EngineAction[]): Later<boolean> {
    const sharesBuffer = this.policy.outboxInRelayStore
    const excess = (): number => this.excess(cycle.relayBytes(), cycle.outboxBytes(), incoming.size)
    if (excess() <= 0) return true
    const evict = (summary: EnvelopeSummary, why: string): void => {
      cycle.deleteEnvelope(summary)
      if (summary.origin === 'local') this.outboxAttempts.delete(summary.header.id)
      this.drop(out, 'evicted', why, { id: summary.header.id })
      if (this.policy.resendDropped) this.wantAgain(summary.header)
    }
    const expired = walk(this.store.expiredEnvelopes(this.clock.now()), (summary) => {
      if ((summary.origin !== 'relay' && !sharesBuffer) || !cycle.stillHeld(summary.header.id)) return false
      evict(summary, 'expired, to make room')
      return excess() <= 0
    })
    return then(expired, (made) => {
      if (made) return true
      const incomingRank = PRIORITY_RANK[incoming.priority]
      let outranked = false
      const evicted = walk(this.store.summaries(sharesBuffer ? 'evict-all' : 'evict'), (page) => {
        for (const summary of page) {
          outranked = PRIORITY_RANK[summary.header.priority] < incomingRank
          if (outranked) return true
          if (!cycle.stillHeld(summary.header.id)) continue
          evict(summary, `to make room for a ${incoming.priority} envelope`)
          if (excess() <= 0) return true
        }
        return false
      })
      return then(evicted, (stopped) => stopped && !outranked)
    })
  }

  /** An envelope evicted here is wanted again from every peer in contact that offered it. */
  private wantAgain({ id, idBytes }: EnvelopeHeader): void {
    for (const state of this.peers.values()) {
      if (!state.offered.has(id)) continue
      state.wanted.set(id, idBytes)
      this.evictedWanted = true
    }
  }

  private receiveReceipts(peer: string, receipts: Receipt[], cycle: Cycle, out: EngineAction[]): Later<void> {
    const ids = receipts.map((wire) => toHex(wire.envelopeId))
    return then(cycle.envelopes(ids), (envelopes) => {
      this.learnReceipts(peer, receipts, ids, envelopes, cycle, out)
    })
  }

  /**
   * Takes in a peer's receipts. One for an envelope we hold is checked against it: if it matches, our copy
   * goes and the receipt is kept and spread; if not, it is forged (unless its sender marked it a hint).
   * One for an envelope we lack cannot be checked: it is kept only as a hint, which stops nothing.
   */
  private learnReceipts(
    peer: string,
    receipts: Receipt[],
    ids: string[],
    envelopes: (StoredEnvelope | undefined)[],
    cycle: Cycle,
    out: EngineAction[]
  ): void {
    const now = this.clock.now()
    const learned: StoredReceipt[] = []
    let forged = 0
    let evicted = 0
    receipts.forEach((wire, i) => {
      const id = ids[i] ?? ''
      if (cycle.hasReceipt(id)) return
      const receipt: StoredReceipt = {
        id,
        secret: wire.secret,
        expiresAt: Math.min(Number(wire.expiresAt), now + this.policy.maxTtl)
      }
      const envelope = envelopes[i]
      if (envelope === undefined || !cycle.hasEnvelope(id)) {
        evicted += this.hints.add(peer, receipt)
        return
      }
      if (!receiptMatches(receipt.secret, envelope)) {
        if (!wire.hint) forged++
        return
      }
      this.hints.delete(id)
      cycle.deleteEnvelope(envelope)
      if (envelope.origin === 'local') {
        this.outboxAttempts.delete(id)
        out.push({ kind: 'receipt', id })
      }
      cycle.putReceipt(receipt)
      learned.push(receipt)
    })
    if (forged > 0)
      this.drop(
        out,
        'forged receipt',
        `${forged} receipts that do not match their envelopes`,
        { peer },
        forged
      )
    if (evicted > 0)
      this.drop(out, 'receipt quota', `${evicted} receipt hints made way for newer ones`, { peer }, evicted)
    this.spreadReceipts(learned, out, peer)
  }

  private submit(submitted: SubmittedEnvelope[], cycle: Cycle, out: EngineAction[]): Later<void> {
    const now = this.clock.now()
    const fresh: StoredEnvelope[] = []
    const receipts: StoredReceipt[] = []
    const copies = this.strategy.initialCopies
    const admitted = forEach(submitted, ({ content, hopLimit, recipient }) => {
      const envelope: StoredEnvelope = {
        header: readHeader(content),
        content,
        hopsLeft: hopLimit,
        origin: 'local',
        receivedAt: now,
        fromPeer: '',
        recipient: recipient ?? '',
        ...(copies === undefined ? {} : { copies })
      }
      if (cycle.hasEnvelope(envelope.header.id)) return
      return then(this.admit(envelope, cycle, out), (admission) => {
        if (admission.kind === 'delivered') receipts.push(...admission.receipts)
        else if (admission.kind === 'stored') fresh.push(envelope)
      })
    })
    return then(admitted, () => {
      this.spreadReceipts(receipts, out)
      this.offerNew(fresh, undefined, cycle, out)
    })
  }

  private sweep(limit: number, cycle: Cycle, out: EngineAction[]): Later<void> {
    const now = this.clock.now()
    let envelopes = 0
    let receipts = 0
    const sweptEnvelopes = walk(this.store.expiredEnvelopes(now), (summary) => {
      if (envelopes >= limit) return true
      if (!cycle.stillHeld(summary.header.id)) return false
      envelopes++
      if (summary.origin !== 'local') {
        cycle.deleteEnvelope(summary)
        return false
      }
      const lastError = this.outboxAttempts.get(summary.header.id)?.lastError ?? ''
      const detail =
        lastError === '' ? 'expired before delivery' : `expired before delivery; last error: ${lastError}`
      this.fail(summary, 'expired', detail, cycle, out)
      return false
    })
    const sweptReceipts = then(sweptEnvelopes, () =>
      walk(this.store.expiredReceipts(now), (receipt) => {
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

  private discard(ids: string[] | undefined, cycle: Cycle, out: EngineAction[]): Later<void> {
    const wanted = ids === undefined ? undefined : new Set(ids)
    const discarded = walk(this.store.summaries('send'), (page) => {
      for (const summary of page) {
        const { id } = summary.header
        if (summary.origin !== 'local' || (wanted !== undefined && !wanted.has(id)) || !cycle.stillHeld(id))
          continue
        cycle.deleteEnvelope(summary)
        this.outboxAttempts.delete(id)
        this.drop(out, 'discarded', 'discarded by the user', { id })
      }
      return false
    })
    return then(discarded, () => undefined)
  }

  private acknowledged(state: PeerState, acks: Uint8Array[], cycle: Cycle, out: EngineAction[]): Later<void> {
    const handed: string[] = []
    for (const bytes of acks) {
      const id = toHex(bytes)
      this.answered(state, id)
      const attempts = this.outboxAttempts.get(id)
      if (attempts !== undefined) {
        attempts.failures = 0
        attempts.copyTaken = true
      }
      if (state.handedOut.has(id)) handed.push(id)
    }
    if (handed.length > 0) return this.handedOver(state, handed, cycle, out)
  }

  /** The peer answered for an envelope we sent it (took or refused it): whether we awaited that answer. */
  private answered(state: PeerState, id: string): boolean {
    const size = state.unacknowledged.get(id)
    if (size === undefined) return false
    state.unacknowledged.delete(id)
    state.unacknowledgedBytes -= size
    return true
  }

  /** A peer took copies of envelopes from us: keep what the strategy says is left, or delete the envelope. */
  private handedOver(state: PeerState, ids: string[], cycle: Cycle, out: EngineAction[]): Later<void> {
    return then(cycle.envelopes(ids), (envelopes) => {
      envelopes.forEach((envelope, i) => {
        const id = ids[i] ?? ''
        const given = state.handedOut.get(id) ?? 0
        state.handedOut.delete(id)
        if (envelope === undefined || this.strategy.keep === undefined) return
        const kept = this.strategy.keep(envelope.copies ?? 1, given)
        if (kept === (envelope.copies ?? 1)) return
        cycle.deleteEnvelope(envelope)
        if (kept > 0) cycle.putEnvelope({ ...envelope, copies: kept })
        else if (envelope.origin === 'local') {
          this.outboxAttempts.delete(id)
          out.push({ kind: 'handed-over', id })
        }
      })
    })
  }

  /**
   * A peer refused envelopes (or had none to give): each of ours it refused backs off, and fails once refused
   * `maxRefusals` times for one reason that will not change, unless a peer took a copy of it meanwhile.
   */
  private refusedByPeer(
    peer: string,
    state: PeerState,
    refusals: MeshFrame.Refusal[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    const failing: { id: string; reason: string; count: number }[] = []
    for (const { envelopeId, reason } of refusals) {
      const id = toHex(envelopeId)
      this.requestDone(state, id)
      state.offered.delete(id)
      if (!this.answered(state, id)) continue
      this.failed(id, `refused by ${peer}: ${reason}`, out)
      const attempts = this.outboxAttempts.get(id)
      if (attempts === undefined || !PERMANENT_REFUSALS.has(reason)) continue
      const count = (attempts.refusals[reason] ?? 0) + 1
      attempts.refusals[reason] = count
      if (count >= this.policy.maxRefusals && !attempts.copyTaken) failing.push({ id, reason, count })
    }
    if (failing.length === 0) return
    return then(cycle.envelopes(failing.map(({ id }) => id)), (envelopes) => {
      failing.forEach(({ id, reason, count }, i) => {
        const envelope = envelopes[i]
        if (envelope === undefined || !cycle.stillHeld(id)) return
        this.fail(envelope, reason, `refused ${count} times as ${reason}, last by ${peer}`, cycle, out)
      })
    })
  }

  /** An outbox envelope leaves undelivered: deleted, and recorded as failed in the same commit. */
  private fail(
    summary: EnvelopeSummary,
    reason: string,
    detail: string,
    cycle: Cycle,
    out: EngineAction[]
  ): void {
    const { id, priority } = summary.header
    cycle.deleteEnvelope(summary)
    this.outboxAttempts.delete(id)
    const failed: FailedMessage = {
      id,
      recipient: summary.recipient,
      priority,
      reason,
      detail,
      queuedAt: summary.receivedAt,
      failedAt: this.clock.now()
    }
    cycle.ops.push({ op: 'put-failed', failed })
    this.stats.failed[reason] = (this.stats.failed[reason] ?? 0) + 1
    out.push({ kind: 'failed', failed })
  }

  private attempted(id: string): void {
    const attempts = this.outboxAttempts.get(id) ?? {
      attempts: 0,
      failures: 0,
      lastError: '',
      nextAttemptAt: 0,
      refusals: {},
      copyTaken: false
    }
    attempts.attempts++
    this.outboxAttempts.set(id, attempts)
  }

  /** A hand-off of an outbox envelope failed: back off before offering it again. */
  private failed(id: string, error: string, out: EngineAction[]): void {
    const attempts = this.outboxAttempts.get(id)
    if (attempts === undefined) return
    attempts.failures++
    attempts.lastError = error
    attempts.nextAttemptAt = this.clock.now() + retryDelay(this.policy, attempts.failures, this.random)
    this.wakeAt(attempts.nextAttemptAt, out)
  }

  private wakeAt(at: number, out: EngineAction[]): void {
    if (at >= this.timerAt) return
    this.timerAt = at
    out.push({ kind: 'timer', at })
  }

  private spreadReceipts(receipts: StoredReceipt[], out: EngineAction[], except?: string): void {
    if (receipts.length === 0 || !this.policy.shareReceipts) return
    for (const [peer, state] of this.peers) {
      if (peer !== except && state.tags !== undefined) this.sendReceipts(peer, receipts, out)
    }
  }

  /** `hint`: receipts this node could not verify, for a peer that holds their envelopes to check. */
  private sendReceipts(peer: string, receipts: StoredReceipt[], out: EngineAction[], hint = false): void {
    for (let i = 0; i < receipts.length; i += IDS_PER_FRAME) {
      const chunk = receipts.slice(i, i + IDS_PER_FRAME).map((receipt) => ({
        envelopeId: fromHex(receipt.id),
        secret: receipt.secret,
        expiresAt: BigInt(receipt.expiresAt),
        hint
      }))
      out.push(this.frame(peer, { receipts: chunk }))
    }
  }

  /**
   * Offers ids, telling the peer whether a further batch of our walk for it will follow its `moreOffers`;
   * `first`: other fields of the first frame.
   */
  private sendOffers(
    peer: string,
    state: PeerState,
    ids: Uint8Array[],
    out: EngineAction[],
    first: Partial<MeshFrame> = {}
  ): void {
    this.sendIds(peer, 'offers', ids, out, { offersComplete: !state.offering.awaitingMore }, first)
  }

  /** Ids in frames of `IDS_PER_FRAME`, each with `fields`, the first also with `first`. */
  private sendIds(
    peer: string,
    field: 'offers' | 'requests',
    ids: Uint8Array[],
    out: EngineAction[],
    fields: Partial<MeshFrame> = {},
    first: Partial<MeshFrame> = {}
  ): void {
    for (let i = 0; i < ids.length; i += IDS_PER_FRAME) {
      const frame = meshFrame(i === 0 ? { ...first, ...fields } : fields)
      frame[field] = ids.slice(i, i + IDS_PER_FRAME)
      out.push({ kind: 'send', peer, frame })
    }
  }

  private frame(peer: string, fields: Partial<MeshFrame>): EngineAction {
    return { kind: 'send', peer, frame: meshFrame(fields) }
  }

  /** Counts `count` items dropped for one reason in one action: a flood makes one action per frame, not per item. */
  private drop(
    out: EngineAction[],
    reason: DropReason,
    detail: string,
    where: { peer?: string; id?: string } = {},
    count = 1
  ): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + count
    out.push({ kind: 'dropped', reason, detail, ...where })
  }

  private countRefusal(peer: string, reason: DropReason): void {
    if (reason === 'peer quota' || reason === 'recipient quota' || reason === 'store full') {
      this.stats.refusedByPeer[peer] = (this.stats.refusedByPeer[peer] ?? 0) + 1
    }
  }
}

/** The parts of a frame, in the order `framePart` handles them (refusals go with the hello). */
const FRAME_PARTS = ['acks', 'hello', 'moreOffers', 'receipts', 'offers', 'requests', 'envelopes'] as const
type FramePart = (typeof FRAME_PARTS)[number]

/** Buckets that leave out at least half of the id space, else undefined: a walk of all costs no more. */
function narrowing(within: IdBuckets): IdBuckets | undefined {
  return within.buckets.size * 2 <= 2 ** within.bits ? within : undefined
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

function receiptMatches(secret: Uint8Array, envelope: EnvelopeSummary): boolean {
  return hash('sha256', secret, 'hex') === envelope.header.receiptHash
}
