import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { MeshStore, StoredEnvelope, StoredReceipt, StoreOp } from '../queue/index.ts'
import { decodeEnvelope, encodeEnvelope, readHeader } from '../wire/index.ts'
import type { DecodedEnvelope, EnvelopeLimits } from '../wire/index.ts'
import { FRAME_TARGET_BYTES, IDS_PER_FRAME, PRIORITY_RANK } from './constants.ts'
import type { MeshFrame, Receipt } from './mesh.pb.ts'
import { epidemic } from './strategy.ts'
import type { ForwardingStrategy, PeerView } from './strategy.ts'

export interface Clock {
  now(): number
}

/** What the end-to-end layer makes of an envelope addressed to this node's user. */
export interface Acceptance {
  receiptSecret: Uint8Array
  /** Written in the same atomic batch as the receipt (the inbox entry). */
  ops: StoreOp[]
}

/** The node's own user, as the engine sees it. */
export interface LocalEndpoint {
  /** Hex tags this node takes delivery for at `now`. */
  tags(now: number): ReadonlySet<string>
  /** Opens an envelope whose tag is ours; undefined if it is not for us after all. */
  accept(envelope: StoredEnvelope): Promise<Acceptance | undefined>
}

export interface EngineInit {
  store: MeshStore
  clock: Clock
  local: LocalEndpoint
  limits: EnvelopeLimits & {
    /** Relay envelopes beyond this many bytes are refused. */
    maxRelayBytes: number
    /** Receipts from peers are kept at most this long, whatever they claim. */
    maxTtl: number
  }
  /** @default epidemic */
  strategy?: ForwardingStrategy
}

export interface SubmittedEnvelope {
  content: Uint8Array
  hopLimit: number
}

export type EngineEvent =
  | { kind: 'contact-up'; peer: string }
  | { kind: 'contact-down'; peer: string }
  | { kind: 'frame'; peer: string; frame: MeshFrame }
  | { kind: 'submit'; envelopes: SubmittedEnvelope[] }
  | { kind: 'sweep' }

export type EngineAction =
  | { kind: 'send'; peer: string; frame: MeshFrame }
  /** An envelope for this node's user was accepted and committed. */
  | { kind: 'delivered'; id: string }
  /** One of this node's user's envelopes is known to have arrived. */
  | { kind: 'receipt'; id: string }
  | { kind: 'dropped'; reason: string; peer?: string; id?: string }

interface PeerState {
  /** Ids of the envelopes the peer is known to hold. */
  envelopes: Set<string>
  /** Ids of the envelopes whose receipt the peer is known to hold. */
  receipts: Set<string>
  tags: Set<string>
  /** Its summary has arrived: from now on it gets what it lacks. */
  ready: boolean
}

type Admission =
  { kind: 'delivered'; receipt: StoredReceipt } | { kind: 'stored' } | { kind: 'refused'; reason: string }

interface Pending {
  event: EngineEvent
  resolve: (actions: EngineAction[]) => void
  reject: (err: Error) => void
}

/**
 * The store-and-forward engine, free of I/O: events in, actions out, time
 * from the injected clock, state in the injected store. Events are processed
 * in arrival order; all events waiting when a cycle starts share one atomic
 * store write, and their actions are released only once it is on disk, so an
 * acknowledgement never precedes durability.
 */
export class MeshEngine {
  private readonly store: MeshStore
  private readonly clock: Clock
  private readonly local: LocalEndpoint
  private readonly limits: EngineInit['limits']
  private readonly strategy: ForwardingStrategy
  private readonly peers = new Map<string, PeerState>()
  private queue: Pending[] = []
  private running: Promise<void> | undefined

  constructor(init: EngineInit) {
    this.store = init.store
    this.clock = init.clock
    this.local = init.local
    this.limits = init.limits
    this.strategy = init.strategy ?? epidemic
  }

  handle(event: EngineEvent): Promise<EngineAction[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject })
      this.running ??= this.run()
    })
  }

  /** Resolves once every event handed in so far has been processed and committed. */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  /** Peers in contact whose summary has arrived. */
  readyPeers(): string[] {
    return [...this.peers].filter(([, state]) => state.ready).map(([peer]) => peer)
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      const cycle = new Cycle(this.store)
      const results: EngineAction[][] = []
      try {
        for (const pending of batch) {
          const actions: EngineAction[] = []
          await this.process(pending.event, cycle, actions)
          results.push(actions)
        }
        if (cycle.ops.length > 0) await this.store.apply(cycle.ops)
        batch.forEach((pending, i) => {
          pending.resolve(results[i] ?? [])
        })
      } catch (err) {
        for (const pending of batch) pending.reject(err as Error)
      }
    }
    this.running = undefined
  }

  private async process(event: EngineEvent, cycle: Cycle, out: EngineAction[]): Promise<void> {
    switch (event.kind) {
      case 'contact-up':
        this.peers.set(event.peer, {
          envelopes: new Set(),
          receipts: new Set(),
          tags: new Set(),
          ready: false
        })
        out.push({
          kind: 'send',
          peer: event.peer,
          frame: { summary: await this.summary(cycle), ...noFields() }
        })
        return
      case 'contact-down':
        this.peers.delete(event.peer)
        return
      case 'frame':
        await this.receiveFrame(event.peer, event.frame, cycle, out)
        return
      case 'submit':
        await this.submit(event.envelopes, cycle, out)
        return
      case 'sweep':
        await this.sweep(cycle, out)
        return
    }
  }

  private async summary(cycle: Cycle): Promise<MeshFrame.Summary> {
    const envelopeIds: Uint8Array[] = []
    for await (const envelope of cycle.envelopes()) envelopeIds.push(hexToBytes(envelope.header.id))
    const receiptIds: Uint8Array[] = []
    for await (const receipt of cycle.receipts()) receiptIds.push(hexToBytes(receipt.id))
    const tags = [...this.local.tags(this.clock.now())].map((tag) => hexToBytes(tag))
    return { envelopeIds, receiptIds, tags }
  }

  private async receiveFrame(
    peer: string,
    frame: MeshFrame,
    cycle: Cycle,
    out: EngineAction[]
  ): Promise<void> {
    const state = this.peers.get(peer)
    if (state === undefined) {
      out.push({ kind: 'dropped', peer, reason: 'frame from a peer not in contact' })
      return
    }
    for (const id of frame.acks) state.envelopes.add(bytesToHex(id))
    if (frame.summary !== undefined) await this.receiveSummary(peer, state, frame.summary, cycle, out)
    if (frame.receipts.length > 0) await this.receiveReceipts(peer, state, frame.receipts, cycle, out)
    if (frame.envelopes.length > 0) await this.receiveEnvelopes(peer, state, frame.envelopes, cycle, out)
  }

  private async receiveSummary(
    peer: string,
    state: PeerState,
    summary: MeshFrame.Summary,
    cycle: Cycle,
    out: EngineAction[]
  ): Promise<void> {
    for (const id of summary.envelopeIds) state.envelopes.add(bytesToHex(id))
    for (const id of summary.receiptIds) state.receipts.add(bytesToHex(id))
    state.tags = new Set(summary.tags.map((tag) => bytesToHex(tag)))
    state.ready = true
    const receipts: StoredReceipt[] = []
    for await (const receipt of cycle.receipts()) receipts.push(receipt)
    this.sendReceipts(peer, state, receipts, out)
    const envelopes: StoredEnvelope[] = []
    for await (const envelope of cycle.envelopes()) envelopes.push(envelope)
    this.forward(peer, state, envelopes, out)
  }

  private async receiveReceipts(
    peer: string,
    state: PeerState,
    receipts: Receipt[],
    cycle: Cycle,
    out: EngineAction[]
  ): Promise<void> {
    const now = this.clock.now()
    const learned: StoredReceipt[] = []
    const ids = receipts.map((wire) => bytesToHex(wire.envelopeId))
    await cycle.prefetch(ids, ids)
    for (const wire of receipts) {
      const receipt: StoredReceipt = {
        id: bytesToHex(wire.envelopeId),
        secret: wire.secret,
        expiresAt: Math.min(Number(wire.expiresAt), now + this.limits.maxTtl)
      }
      state.receipts.add(receipt.id)
      if ((await cycle.receipt(receipt.id)) !== undefined) continue
      const envelope = await cycle.envelope(receipt.id)
      if (envelope !== undefined) {
        if (!receiptMatches(receipt.secret, envelope)) {
          out.push({ kind: 'dropped', peer, id: receipt.id, reason: 'receipt does not match its envelope' })
          continue
        }
        cycle.deleteEnvelope(envelope)
        if (envelope.origin === 'local') out.push({ kind: 'receipt', id: receipt.id })
      }
      cycle.putReceipt(receipt)
      learned.push(receipt)
    }
    this.spreadReceipts(learned, out)
  }

  private async receiveEnvelopes(
    peer: string,
    state: PeerState,
    raw: Uint8Array[],
    cycle: Cycle,
    out: EngineAction[]
  ): Promise<void> {
    const now = this.clock.now()
    const acks: Uint8Array[] = []
    const relayed: StoredEnvelope[] = []
    const receipts: StoredReceipt[] = []
    const decoded: DecodedEnvelope[] = []
    for (const bytes of raw) {
      try {
        decoded.push(decodeEnvelope(bytes, this.limits))
      } catch (err) {
        out.push({ kind: 'dropped', peer, reason: (err as Error).message })
      }
    }
    const ids = decoded.map(({ header }) => header.id)
    await cycle.prefetch(ids, ids)
    for (const { header, content, hopsLeft } of decoded) {
      state.envelopes.add(header.id)
      acks.push(hexToBytes(header.id))
      if (header.expiresAt <= now) {
        out.push({ kind: 'dropped', peer, id: header.id, reason: 'expired' })
        continue
      }
      const envelope: StoredEnvelope = { header, content, hopsLeft, origin: 'relay', receivedAt: now }
      const receipt = await cycle.receipt(header.id)
      if (receipt !== undefined) {
        if (receiptMatches(receipt.secret, envelope)) {
          out.push({ kind: 'dropped', peer, id: header.id, reason: 'already delivered' })
          this.sendReceipts(peer, state, [receipt], out)
          continue
        }
        cycle.deleteReceipt(header.id)
      }
      if ((await cycle.envelope(header.id)) !== undefined) continue
      const admission = await this.admit(envelope, cycle, out)
      if (admission.kind === 'delivered') receipts.push(admission.receipt)
      else if (admission.kind === 'stored') relayed.push(envelope)
      else out.push({ kind: 'dropped', peer, id: header.id, reason: admission.reason })
    }
    if (acks.length > 0) out.push({ kind: 'send', peer, frame: { ...noFields(), acks } })
    this.spreadReceipts(receipts, out)
    this.spreadEnvelopes(relayed, out)
  }

  /** Takes an envelope in: delivers it if it is ours, else keeps it for relaying. */
  private async admit(envelope: StoredEnvelope, cycle: Cycle, out: EngineAction[]): Promise<Admission> {
    const { header } = envelope
    if (this.local.tags(this.clock.now()).has(header.tag)) {
      const acceptance = await this.local.accept(envelope)
      if (acceptance !== undefined) {
        if (!receiptMatches(acceptance.receiptSecret, envelope)) {
          return { kind: 'refused', reason: 'receipt secret does not match its hash' }
        }
        const receipt = { id: header.id, secret: acceptance.receiptSecret, expiresAt: header.expiresAt }
        cycle.putReceipt(receipt)
        cycle.ops.push(...acceptance.ops)
        out.push({ kind: 'delivered', id: header.id })
        return { kind: 'delivered', receipt }
      }
    }
    if (envelope.origin === 'relay' && cycle.relayBytes() + header.size > this.limits.maxRelayBytes) {
      return { kind: 'refused', reason: 'relay store full' }
    }
    cycle.putEnvelope(envelope)
    return { kind: 'stored' }
  }

  private async submit(submitted: SubmittedEnvelope[], cycle: Cycle, out: EngineAction[]): Promise<void> {
    const now = this.clock.now()
    const fresh: StoredEnvelope[] = []
    const receipts: StoredReceipt[] = []
    const envelopes = submitted.map(({ content, hopLimit }): StoredEnvelope => ({
      header: readHeader(content),
      content,
      hopsLeft: hopLimit,
      origin: 'local',
      receivedAt: now
    }))
    await cycle.prefetch(
      envelopes.map(({ header }) => header.id),
      []
    )
    for (const envelope of envelopes) {
      if ((await cycle.envelope(envelope.header.id)) !== undefined) continue
      const admission = await this.admit(envelope, cycle, out)
      if (admission.kind === 'delivered') receipts.push(admission.receipt)
      else fresh.push(envelope)
    }
    this.spreadReceipts(receipts, out)
    this.spreadEnvelopes(fresh, out)
  }

  private async sweep(cycle: Cycle, out: EngineAction[]): Promise<void> {
    const now = this.clock.now()
    for await (const envelope of cycle.envelopes()) {
      if (envelope.header.expiresAt > now) continue
      cycle.deleteEnvelope(envelope)
      if (envelope.origin === 'local') {
        out.push({ kind: 'dropped', id: envelope.header.id, reason: 'expired before delivery' })
      }
    }
    for await (const receipt of cycle.receipts()) {
      if (receipt.expiresAt <= now) cycle.deleteReceipt(receipt.id)
    }
  }

  private spreadEnvelopes(envelopes: StoredEnvelope[], out: EngineAction[]): void {
    if (envelopes.length === 0) return
    for (const [peer, state] of this.peers) {
      if (state.ready) this.forward(peer, state, envelopes, out)
    }
  }

  private spreadReceipts(receipts: StoredReceipt[], out: EngineAction[]): void {
    if (receipts.length === 0) return
    for (const [peer, state] of this.peers) {
      if (state.ready) this.sendReceipts(peer, state, receipts, out)
    }
  }

  /** Sends the peer what it lacks of `candidates`: its own envelopes first, then by priority and age. */
  private forward(peer: string, state: PeerState, candidates: StoredEnvelope[], out: EngineAction[]): void {
    const now = this.clock.now()
    const view: PeerView = { id: peer, takesTag: (tag) => state.tags.has(tag) }
    const chosen = candidates.filter((envelope) => {
      if (state.envelopes.has(envelope.header.id) || envelope.header.expiresAt <= now) return false
      if (view.takesTag(envelope.header.tag)) return true
      return envelope.hopsLeft > 0 && this.strategy.shouldForward(envelope, view)
    })
    chosen.sort(
      (a, b) =>
        Number(view.takesTag(b.header.tag)) - Number(view.takesTag(a.header.tag)) ||
        PRIORITY_RANK[a.header.priority] - PRIORITY_RANK[b.header.priority] ||
        a.receivedAt - b.receivedAt
    )
    let frame: Uint8Array[] = []
    let frameBytes = 0
    for (const envelope of chosen) {
      state.envelopes.add(envelope.header.id)
      frame.push(encodeEnvelope(envelope.content, Math.max(0, envelope.hopsLeft - 1)))
      frameBytes += envelope.content.length
      if (frameBytes >= FRAME_TARGET_BYTES) {
        out.push({ kind: 'send', peer, frame: { ...noFields(), envelopes: frame } })
        frame = []
        frameBytes = 0
      }
    }
    if (frame.length > 0) out.push({ kind: 'send', peer, frame: { ...noFields(), envelopes: frame } })
  }

  private sendReceipts(peer: string, state: PeerState, receipts: StoredReceipt[], out: EngineAction[]): void {
    const missing = receipts.filter((receipt) => !state.receipts.has(receipt.id))
    for (const receipt of missing) state.receipts.add(receipt.id)
    for (let i = 0; i < missing.length; i += IDS_PER_FRAME) {
      const chunk = missing.slice(i, i + IDS_PER_FRAME).map((receipt) => ({
        envelopeId: hexToBytes(receipt.id),
        secret: receipt.secret,
        expiresAt: BigInt(receipt.expiresAt)
      }))
      out.push({ kind: 'send', peer, frame: { ...noFields(), receipts: chunk } })
    }
  }
}

function noFields(): MeshFrame {
  return { envelopes: [], acks: [], receipts: [] }
}

function receiptMatches(secret: Uint8Array, envelope: StoredEnvelope): boolean {
  return bytesToHex(sha256(secret)) === envelope.header.receiptHash
}

/**
 * The store as seen within one engine cycle: reads see the writes queued
 * earlier in the cycle, which are committed together at its end.
 */
class Cycle {
  readonly ops: StoreOp[] = []
  private readonly envelopeWrites = new Map<string, StoredEnvelope | null>()
  private readonly receiptWrites = new Map<string, StoredReceipt | null>()
  private readonly envelopeReads = new Map<string, StoredEnvelope | undefined>()
  private readonly receiptReads = new Map<string, StoredReceipt | undefined>()
  private relayByteDelta = 0

  constructor(private readonly store: MeshStore) {}

  /** Reads these ids from the store in two batched lookups, for the single lookups that follow. */
  async prefetch(envelopeIds: string[], receiptIds: string[]): Promise<void> {
    const envelopes = envelopeIds.filter((id) => !this.envelopeWrites.has(id) && !this.envelopeReads.has(id))
    const receipts = receiptIds.filter((id) => !this.receiptWrites.has(id) && !this.receiptReads.has(id))
    const [storedEnvelopes, storedReceipts] = await Promise.all([
      envelopes.length > 0 ? this.store.getEnvelopes(envelopes) : [],
      receipts.length > 0 ? this.store.getReceipts(receipts) : []
    ])
    envelopes.forEach((id, i) => this.envelopeReads.set(id, storedEnvelopes[i]))
    receipts.forEach((id, i) => this.receiptReads.set(id, storedReceipts[i]))
  }

  async envelope(id: string): Promise<StoredEnvelope | undefined> {
    const written = this.envelopeWrites.get(id)
    if (written !== undefined) return written ?? undefined
    if (this.envelopeReads.has(id)) return this.envelopeReads.get(id)
    const [stored] = await this.store.getEnvelopes([id])
    return stored
  }

  async receipt(id: string): Promise<StoredReceipt | undefined> {
    const written = this.receiptWrites.get(id)
    if (written !== undefined) return written ?? undefined
    if (this.receiptReads.has(id)) return this.receiptReads.get(id)
    const [stored] = await this.store.getReceipts([id])
    return stored
  }

  async *envelopes(): AsyncIterable<StoredEnvelope> {
    for await (const envelope of this.store.envelopes()) {
      if (!this.envelopeWrites.has(envelope.header.id)) yield envelope
    }
    for (const envelope of this.envelopeWrites.values()) if (envelope !== null) yield envelope
  }

  async *receipts(): AsyncIterable<StoredReceipt> {
    for await (const receipt of this.store.receipts()) {
      if (!this.receiptWrites.has(receipt.id)) yield receipt
    }
    for (const receipt of this.receiptWrites.values()) if (receipt !== null) yield receipt
  }

  relayBytes(): number {
    return this.store.counts().relayBytes + this.relayByteDelta
  }

  putEnvelope(envelope: StoredEnvelope): void {
    if (envelope.origin === 'relay') this.relayByteDelta += envelope.header.size
    this.envelopeWrites.set(envelope.header.id, envelope)
    this.ops.push({ op: 'put-envelope', envelope })
  }

  deleteEnvelope(envelope: StoredEnvelope): void {
    if (envelope.origin === 'relay') this.relayByteDelta -= envelope.header.size
    this.envelopeWrites.set(envelope.header.id, null)
    this.ops.push({ op: 'delete-envelope', envelope })
  }

  putReceipt(receipt: StoredReceipt): void {
    this.receiptWrites.set(receipt.id, receipt)
    this.ops.push({ op: 'put-receipt', receipt })
  }

  deleteReceipt(id: string): void {
    this.receiptWrites.set(id, null)
    this.ops.push({ op: 'delete-receipt', id })
  }
}
