// The engine and the memory store through their folders' indexes, which load no I/O (test/boundary.test.ts).
import {
  createStrategy,
  forgetDropped,
  KEEP_RECEIPTS,
  MeshEngine,
  meshFrame,
  RANDOM_ORDER,
  resendDropped,
  SHARE_RECEIPTS,
  SHARED_BUFFER,
  STORE_ORDER
} from '../../node/src/mesh/index.ts'
import type {
  Acceptance,
  EngineAction,
  EngineEvent,
  EngineProfile,
  LocalEndpoint,
  MeshFrame,
  StrategySpec
} from '../../node/src/mesh/index.ts'
import { andThen, forEach, MemoryStore } from '../../node/src/queue/index.ts'
import type { Later, StoredEnvelope, StoreOp } from '../../node/src/queue/index.ts'
import { toHex } from '../../node/src/wire/index.ts'
import type { EnvelopeHeader } from '../../node/src/wire/index.ts'
import { EventQueue } from './event-queue.ts'
import { emptyStats } from './message-stats.ts'
import type { MessageStats } from './message-stats.ts'
import { buildMessage, byteScale, nodeTag } from './messages.ts'
import type { SimMessage } from './messages.ts'
import { Random } from './random.ts'
import type { ContactEvent, Trace } from './trace.ts'

/** What one run needs, in seconds and bytes; Infinity for unlimited bandwidth or buffers. */
export interface SimSettings {
  name: string
  nodes: number
  trace: Trace
  /** The run stops here (sim_time). */
  end: number
  /** Bytes per second on every link. */
  bandwidth: number
  /** Seconds a control frame (hello, offers, requests, acks, receipts) takes. */
  latency: number
  /** Bytes of other nodes' messages each node holds at most. */
  buffer: number
  /** Seconds a message lives after its creation. */
  ttl: number
  strategy: StrategySpec
  /** Nodes tell peers of deliveries (the daemon does; the ONE's routers do not). */
  receipts: boolean
  /** Nodes send in random order (the ONE's default send queue) instead of oldest first. */
  randomSendOrder: boolean
  /** Nodes get again what they dropped (the ONE's routers do; the daemon does not). */
  resendDropped: boolean
  seed: number
}

/** What happened to each message and copy, for reports beyond the ONE's. */
export interface SimObserver {
  delivered?(message: SimMessage, node: number, time: number, hops: number): void
  transfer?(from: number, to: number, time: number, outcome: 'started' | 'relayed' | 'aborted'): void
  buffer?(node: number, time: number, bytes: number): void
  progress?(time: number): void
}

export interface SimResult {
  stats: MessageStats
  messages: SimMessage[]
  /** Delivery time per message index; undefined where not delivered. */
  deliveredAt: (number | undefined)[]
  /** Events the loop processed. */
  events: number
}

const MS = 1000

/** Every message hops this many times at most: the ONE has no hop limit. */
const HOP_LIMIT = 255

/** What a free node looks for, in this order (see `kick`): [only for the receiver itself, sent by the node]. */
const TRANSFER_CHOICES = [
  [true, true],
  [true, false],
  [false, true],
  [false, false]
] as const

/** Sweeps delete every expired envelope of a node at once. */
const SWEEP_ALL = Number.MAX_SAFE_INTEGER

type SimEvent =
  | { kind: 'frame'; to: number; from: number; frame: MeshFrame; link: Link }
  | { kind: 'transfer-done'; transfer: Transfer }
  | { kind: 'transfer-start'; transfer: Transfer }
  | { kind: 'retry'; node: number }
  | { kind: 'expire'; message: number }

/**
 * What an event makes the loop do, in order: hand an engine event to a node (`via`: the peer a frame came
 * from) and carry out its actions, or let a node start a transfer if it is free.
 */
type Step = { node: number; event: EngineEvent; via?: number } | { kick: number }

interface PendingEnvelope {
  from: number
  header: EnvelopeHeader
  bytes: Uint8Array
  /** Simulated bytes: the envelope's content bytes times the byte scale. */
  size: number
}

interface Transfer {
  link: Link
  from: number
  to: number
  header: EnvelopeHeader
  bytes: Uint8Array
}

/**
 * One contact between two nodes (a < b); each direction queues its envelopes.
 * Frames and transfers hold their link, so once it is down they are dropped.
 */
class Link {
  up = true
  active: Transfer | undefined
  readonly queues: [PendingEnvelope[], PendingEnvelope[]] = [[], []]

  constructor(
    readonly a: number,
    readonly b: number
  ) {}

  other(node: number): number {
    return node === this.a ? this.b : this.a
  }

  queueFrom(node: number): PendingEnvelope[] {
    return this.queues[node === this.a ? 0 : 1]
  }
}

/** A copy of a message that a node's store took in (`put`) or let go, in a committed batch. */
interface CopyChange {
  put: boolean
  header: EnvelopeHeader
  message: SimMessage
}

/**
 * A MemoryStore that lists the copies each committed batch took in or let go, so the simulator can follow
 * them. Every node's copy of a message keeps the one content and header of the message, not the bytes it
 * arrived in and the header read from them (the same bytes: their hash is the id), so what arrives dies
 * young and memory holds each message once, not once per copy.
 */
class ObservedStore extends MemoryStore {
  /** The changes committed by the event being handled, read once its actions are in. */
  readonly changes: CopyChange[] = []

  constructor(private readonly messageOf: (id: string) => SimMessage | undefined) {
    super()
  }

  override apply(ops: StoreOp[]): void {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as StoreOp
      if (op.op !== 'put-envelope' && op.op !== 'delete-envelope') continue
      const { header } = op.envelope
      const message = this.messageOf(header.id)
      if (message === undefined) continue
      const put = op.op === 'put-envelope'
      if (put) {
        ops[i] = {
          op: 'put-envelope',
          envelope: { ...op.envelope, header: message.header, content: message.content }
        }
      }
      this.changes.push({ put, header, message })
    }
    super.apply(ops)
  }
}

class SimNode implements LocalEndpoint {
  readonly engine: MeshEngine
  readonly store: ObservedStore
  readonly links = new Map<number, Link>()
  /** The one transfer this node takes part in, sending or receiving. */
  busy: Transfer | undefined
  /** Message index → when the copy here was stored. */
  readonly held = new Map<number, number>()
  /** Message index → hops of the copy this node received (kept after the copy is gone). */
  readonly hops = new Map<number, number>()
  bufferBytes = 0
  private readonly tagSet: ReadonlySet<string>

  constructor(
    readonly index: number,
    private readonly sim: Simulator,
    settings: SimSettings,
    scale: number
  ) {
    this.tagSet = new Set([toHex(nodeTag(index))])
    this.store = new ObservedStore((id) => sim.messageById(id))
    const random = new Random(settings.seed * 1_000_003 + index)
    const relayBytes = Math.floor(settings.buffer / scale)
    this.engine = new MeshEngine({
      store: this.store,
      clock: sim.clock,
      local: this,
      strategy: createStrategy(settings.strategy),
      random: () => random.next(),
      policy: {
        maxPayloadBytes: Number.MAX_SAFE_INTEGER,
        maxRelayBytes: relayBytes,
        maxRelayBytesPerPeer: Infinity,
        maxRelayBytesPerRecipient: Infinity
      },
      profile: profileOf(settings)
    })
  }

  tags(): ReadonlySet<string> {
    return this.tagSet
  }

  accept(envelope: StoredEnvelope): Acceptance | undefined {
    const message = this.sim.messageById(envelope.header.id)
    if (message?.event.to !== this.index) return undefined
    return { receiptSecret: message.secret, ops: [] }
  }
}

/** The engine's behaviour as the run's settings ask; a node's own messages share its buffer, as in the ONE. */
function profileOf(settings: SimSettings): EngineProfile {
  return {
    receipts: settings.receipts ? SHARE_RECEIPTS : KEEP_RECEIPTS,
    buffer: SHARED_BUFFER,
    sendOrder: settings.randomSendOrder ? RANDOM_ORDER : STORE_ORDER,
    dropped: settings.resendDropped ? resendDropped : forgetDropped
  }
}

/**
 * The discrete-event loop: a virtual clock, virtual links and the daemon's
 * own engine and store at every node. Links carry one envelope at a time and
 * a node takes part in one transfer at a time (as in the ONE); a transfer
 * takes size / bandwidth and is lost if its link goes down first. Other
 * frames are small control messages that take `latency`. Events at one time
 * run in the order they were scheduled, and every consequence of an event at
 * time t runs before the trace's next event at t, so a run is deterministic.
 */
export class Simulator {
  /** The engines' clock: virtual milliseconds. */
  readonly clock = { now: (): number => this.now }
  readonly stats = emptyStats()
  /** Virtual time in ms, as the engines count it (seconds only in the trace and the reports). */
  private now = 0
  private readonly nodes: SimNode[] = []
  private readonly queue = new EventQueue<SimEvent>()
  private readonly messages: SimMessage[]
  private readonly byId = new Map<string, SimMessage>()
  private readonly holders: Set<number>[]
  private readonly deliveredAt: (number | undefined)[]
  private readonly scale: number
  /** Scratch of the loop and `followCopies`, reused because they run once per event. */
  private readonly steps: Step[] = []
  private readonly evicted: string[] = []
  private events = 0

  constructor(
    private readonly settings: SimSettings,
    private readonly observer: SimObserver = {}
  ) {
    const { trace, ttl, seed } = settings
    this.scale = byteScale(trace.messages)
    this.messages = trace.messages.map((event, index) =>
      buildMessage(event, index, { ttl, scale: this.scale, seed })
    )
    for (const message of this.messages) this.byId.set(message.header.id, message)
    this.holders = this.messages.map(() => new Set())
    this.deliveredAt = this.messages.map(() => undefined)
    for (let i = 0; i < settings.nodes; i++) this.nodes.push(new SimNode(i, this, settings, this.scale))
  }

  messageById(id: string): SimMessage | undefined {
    return this.byId.get(id)
  }

  async run(): Promise<SimResult> {
    const { contacts } = this.settings.trace
    const end = this.settings.end * MS
    let nextContact = 0
    let nextMessage = 0
    for (;;) {
      const contact = contacts[nextContact]
      const message = this.messages[nextMessage]
      const traceTime = Math.min(contact?.time ?? Infinity, message?.event.time ?? Infinity) * MS
      const queued = this.queue.peekTime()
      const time = Math.min(queued, traceTime)
      if (time > end || time === Infinity) break
      this.now = time
      this.queue.begin(time)
      this.events++
      if (queued <= traceTime) {
        this.handle(this.queue.pop() as SimEvent)
      } else if (message !== undefined && message.event.time * MS === traceTime) {
        nextMessage++
        this.create(message)
      } else if (contact !== undefined) {
        nextContact++
        this.contact(contact)
      }
      const taken = forEach(this.steps, this.take)
      if (taken instanceof Promise) await taken
      this.steps.length = 0
      if ((this.events & 0xfff) === 0) this.observer.progress?.(time / MS)
    }
    this.now = end
    return { stats: this.stats, messages: this.messages, deliveredAt: this.deliveredAt, events: this.events }
  }

  /**
   * Takes one of the steps an event left. The engines answer at once, as their stores are in memory, so
   * the loop never waits: an await per event would cost every event.
   */
  private readonly take = (step: Step): Later<void> => {
    if ('kick' in step) {
      this.kick(step.kick)
      return
    }
    const node = this.node(step.node)
    return andThen(node.engine.handleNow(step.event), (actions) => {
      this.carryOut(node, actions, step.via)
    })
  }

  private deliver(node: number, event: EngineEvent, via?: number): void {
    this.steps.push(via === undefined ? { node, event } : { node, event, via })
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'frame':
        if (event.link.up) {
          this.deliver(event.to, { kind: 'frame', peer: String(event.from), frame: event.frame }, event.from)
        }
        return
      case 'transfer-done':
        this.transferDone(event.transfer)
        return
      case 'transfer-start': {
        const { transfer } = event
        if (transfer.link.active !== transfer) return
        const { from, to, header } = transfer
        this.deliver(to, { kind: 'incoming', peer: String(from), header })
        return
      }
      case 'retry':
        this.deliver(event.node, { kind: 'retry' })
        return
      case 'expire':
        for (const node of this.holders[event.message] ?? [])
          this.deliver(node, { kind: 'sweep', limit: SWEEP_ALL })
        return
    }
  }

  private create(message: SimMessage): void {
    this.stats.created++
    this.node(message.event.from).hops.set(message.index, 0)
    this.queue.push(message.expiresAt * MS, { kind: 'expire', message: message.index })
    this.deliver(message.event.from, {
      kind: 'submit',
      envelopes: [{ content: message.content, hopLimit: HOP_LIMIT }]
    })
  }

  private contact({ a, b, up }: ContactEvent): void {
    if (a === b) return
    let link = this.node(a).links.get(b)
    if (up) {
      if (link !== undefined) return
      link = new Link(Math.min(a, b), Math.max(a, b))
      this.node(a).links.set(b, link)
      this.node(b).links.set(a, link)
      this.deliver(link.a, { kind: 'contact-up', peer: String(link.b) })
      this.deliver(link.b, { kind: 'contact-up', peer: String(link.a) })
      return
    }
    if (link === undefined) return
    link.up = false
    const { active } = link
    if (active !== undefined) {
      this.stats.aborted++
      this.observer.transfer?.(active.from, active.to, this.now / MS, 'aborted')
      this.release(active)
    }
    link.queues[0].length = 0
    link.queues[1].length = 0
    this.node(a).links.delete(b)
    this.node(b).links.delete(a)
    this.deliver(link.a, { kind: 'contact-down', peer: String(link.b) })
    this.deliver(link.b, { kind: 'contact-down', peer: String(link.a) })
    this.steps.push({ kick: link.a }, { kick: link.b })
  }

  /** Carries out what a node's engine asks after an event; `via` is the peer a frame came from. */
  private carryOut(node: SimNode, actions: EngineAction[], via: number | undefined): void {
    const { evicted } = this
    evicted.length = 0
    for (const action of actions) this.act(node, action, via, evicted)
    const { changes } = node.store
    if (changes.length > 0) this.followCopies(node, changes, via, evicted)
    changes.length = 0
  }

  private act(node: SimNode, action: EngineAction, via: number | undefined, evicted: string[]): void {
    switch (action.kind) {
      case 'send':
        this.send(node.index, Number(action.peer), action.frame, action.headers)
        return
      case 'delivered': {
        const message = this.byId.get(action.id)
        if (message === undefined || this.deliveredAt[message.index] !== undefined) return
        const hops = via === undefined ? 0 : (this.node(via).hops.get(message.index) ?? 0) + 1
        const time = this.now / MS
        this.deliveredAt[message.index] = time
        this.stats.delivered++
        this.stats.latencies.push(time - message.event.time)
        this.stats.hopCounts.push(hops)
        this.observer.delivered?.(message, node.index, time, hops)
        return
      }
      case 'dropped':
        if (action.reason === 'evicted' && action.id !== undefined) evicted.push(action.id)
        return
      case 'timer':
        this.queue.push(Math.max(this.now, action.at), { kind: 'retry', node: node.index })
        return
      case 'receipt':
      case 'handed-over':
      case 'failed':
      case 'swept':
        return
    }
  }

  /**
   * Follows the copies a node's store took in or let go, for hop counts, buffer times and drop counts. A copy
   * let go and taken in again by one event stays.
   */
  private followCopies(
    node: SimNode,
    changes: CopyChange[],
    via: number | undefined,
    evicted: string[]
  ): void {
    const before = node.bufferBytes
    for (const { put, header, message } of changes) {
      const { index } = message
      if (put) {
        if (node.held.has(index)) continue
        node.held.set(index, this.now / MS)
        node.bufferBytes += header.size * this.scale
        this.holders[index]?.add(node.index)
        if (via !== undefined) node.hops.set(index, (this.node(via).hops.get(index) ?? 0) + 1)
        continue
      }
      if (changes.some((change) => change.put && change.message === message)) continue
      const since = node.held.get(index)
      node.held.delete(index)
      node.bufferBytes -= header.size * this.scale
      this.holders[index]?.delete(node.index)
      if (since !== undefined) this.stats.bufferTimes.push(this.now / MS - since)
      if (evicted.includes(header.id) || header.expiresAt <= this.now) this.stats.dropped++
      else this.stats.removed++
    }
    if (node.bufferBytes !== before) this.observer.buffer?.(node.index, this.now / MS, node.bufferBytes)
  }

  /** Envelopes queue on the link, one transfer each; other frames arrive after the latency. */
  private send(from: number, to: number, frame: MeshFrame, headers: EnvelopeHeader[] = []): void {
    const link = this.node(from).links.get(to)
    if (link?.up !== true) return
    if (frame.envelopes.length > 0) {
      const queue = link.queueFrom(from)
      frame.envelopes.forEach((bytes, i) => {
        const header = headers[i]
        if (header === undefined) throw new Error('the engine sent envelopes without their headers')
        queue.push({ from, header, bytes, size: header.size * this.scale })
      })
      this.kick(from)
      return
    }
    const arrival = this.now + this.settings.latency * MS
    this.queue.push(arrival, { kind: 'frame', to, from, frame, link })
  }

  /**
   * Starts a transfer for a node that is free: first one it sends to its
   * destination, then one it receives as the destination, then one it sends,
   * else one it receives (the ONE's routers exchange deliverable messages
   * first, in both directions, whenever a node is free).
   */
  private kick(index: number): void {
    const node = this.node(index)
    if (node.busy !== undefined) return
    for (const [deliverable, sending] of TRANSFER_CHOICES) {
      for (const link of node.links.values()) {
        const peer = link.other(index)
        if (link.active !== undefined || this.node(peer).busy !== undefined) continue
        const pending = this.nextOn(link, sending ? index : peer, deliverable)
        if (pending !== undefined) {
          this.start(link, pending)
          return
        }
      }
    }
  }

  /**
   * Takes the next envelope `from` has queued on a link, only one for the receiver itself if `deliverable`.
   * One its sender no longer holds (evicted, expired or handed over while it waited for the link), or its
   * receiver already holds (got from another peer meanwhile; the ONE's receivers refuse it), is not sent:
   * the receiver is told, as the engine tells a request for an envelope it lacks.
   */
  private nextOn(link: Link, from: number, deliverable: boolean): PendingEnvelope | undefined {
    const queue = link.queueFrom(from)
    const sender = this.node(from).store
    const receiver = this.node(link.other(from))
    const refusals: MeshFrame.Refusal[] = []
    let next: PendingEnvelope | undefined
    for (let i = 0; i < queue.length && next === undefined;) {
      const pending = queue[i] as PendingEnvelope
      const { id, tag } = pending.header
      if (deliverable && !receiver.tags().has(tag)) {
        i++
        continue
      }
      queue.splice(i, 1)
      if (sender.hasEnvelope(id) && !receiver.store.hasEnvelope(id) && !receiver.store.hasReceipt(id)) {
        next = pending
      } else {
        refusals.push({ envelopeId: pending.header.idBytes, reason: 'gone' })
      }
    }
    if (refusals.length > 0) this.send(from, receiver.index, meshFrame({ refusals }))
    return next
  }

  private start(link: Link, pending: PendingEnvelope): void {
    const transfer: Transfer = {
      link,
      from: pending.from,
      to: link.other(pending.from),
      header: pending.header,
      bytes: pending.bytes
    }
    link.active = transfer
    this.node(transfer.from).busy = transfer
    this.node(transfer.to).busy = transfer
    this.stats.started++
    this.observer.transfer?.(transfer.from, transfer.to, this.now / MS, 'started')
    const { bandwidth } = this.settings
    const duration = Number.isFinite(bandwidth) ? (pending.size / bandwidth) * MS : 0
    // The receiver makes room as the transfer starts, as the ONE's receivers do. Making room is all
    // `incoming` does, so an envelope that fits now needs no event: until the event would run (the other
    // events already queued for this instant) the receiver, busy with this transfer, takes nothing in.
    if (!this.node(transfer.to).engine.fits(pending.header.size)) {
      this.queue.push(this.now, { kind: 'transfer-start', transfer })
    }
    this.queue.push(this.now + duration, { kind: 'transfer-done', transfer })
  }

  private release(transfer: Transfer): void {
    transfer.link.active = undefined
    this.node(transfer.from).busy = undefined
    this.node(transfer.to).busy = undefined
  }

  private transferDone(transfer: Transfer): void {
    const { link } = transfer
    if (link.active !== transfer) return
    this.release(transfer)
    this.stats.relayed++
    this.observer.transfer?.(transfer.from, transfer.to, this.now / MS, 'relayed')
    const frame = meshFrame({ envelopes: [transfer.bytes] })
    this.deliver(transfer.to, { kind: 'frame', peer: String(transfer.from), frame }, transfer.from)
    // The sender goes on before its peer may use the link, as in the ONE, where a sender finishes a
    // transfer and starts its next in the same update: a contact is one side's dump, then the other's.
    this.steps.push({ kick: transfer.from }, { kick: transfer.to })
  }

  private node(index: number): SimNode {
    const node = this.nodes[index]
    if (node === undefined) throw new RangeError(`no node ${index}`)
    return node
  }
}
