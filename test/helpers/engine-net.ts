import { bytesToHex } from '@noble/hashes/utils.js'
import { MeshEngine } from '../../node/src/mesh/index.ts'
import type {
  Acceptance,
  EngineAction,
  EngineEvent,
  EnginePolicy,
  EngineProfile,
  ForwardingStrategy,
  LocalEndpoint
} from '../../node/src/mesh/index.ts'
import type { FailedMessage, MeshStore } from '../../node/src/queue/index.ts'
import { decodeEnvelope, toHex } from '../../node/src/wire/index.ts'
import type { StoredEnvelope } from '../../node/src/queue/index.ts'

/** Engines joined by in-process links, with a shared manual clock: the engine's own test bench. */
export class EngineNet {
  now = 1_000_000
  readonly nodes = new Map<string, TestNode>()
  private readonly inFlight: { to: string; event: EngineEvent }[] = []

  /** @param createStore makes each node's store (opened here, closed by `close`) */
  constructor(private readonly createStore: () => Promise<MeshStore>) {}

  async add(
    name: string,
    tag: Uint8Array,
    secrets: Map<string, Uint8Array>,
    policy: Partial<EnginePolicy> = {},
    strategy?: ForwardingStrategy,
    profile: Partial<EngineProfile> = {}
  ): Promise<TestNode> {
    const store = await this.createStore()
    await store.open()
    const node = new TestNode(name, tag, secrets, this, policy, store, strategy, profile)
    this.nodes.set(name, node)
    return node
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => node.store.close()))
  }

  node(name: string): TestNode {
    const node = this.nodes.get(name)
    if (node === undefined) throw new Error(`no node ${name}`)
    return node
  }

  async connect(a: string, b: string): Promise<void> {
    await this.deliver(a, { kind: 'contact-up', peer: b })
    await this.deliver(b, { kind: 'contact-up', peer: a })
    await this.settle()
  }

  async disconnect(a: string, b: string): Promise<void> {
    await this.deliver(a, { kind: 'contact-down', peer: b })
    await this.deliver(b, { kind: 'contact-down', peer: a })
  }

  async deliver(to: string, event: EngineEvent): Promise<void> {
    const actions = await this.node(to).engine.handle(event)
    this.node(to).actions.push(...actions)
    for (const action of actions) {
      if (action.kind === 'send')
        this.inFlight.push({ to: action.peer, event: { kind: 'frame', peer: to, frame: action.frame } })
    }
  }

  /** Carries frames until none is left; bounded so a forwarding loop fails the test instead of hanging it. */
  async settle(maxFrames = 10_000): Promise<void> {
    for (let carried = 0; this.inFlight.length > 0; carried++) {
      if (carried >= maxFrames) throw new Error(`still carrying frames after ${maxFrames}`)
      const next = this.inFlight.shift()
      if (next !== undefined && this.nodes.has(next.to)) await this.deliver(next.to, next.event)
    }
  }
}

export class TestNode implements LocalEndpoint {
  readonly engine: MeshEngine
  readonly actions: EngineAction[] = []
  readonly inbox: string[] = []
  private readonly tagHex: string
  /** Envelopes taken unread until another one (the value) arrives, as MLS keeps a message for its epoch. */
  private readonly unreadUntil = new Map<string, string>()

  constructor(
    readonly name: string,
    tag: Uint8Array,
    private readonly secrets: Map<string, Uint8Array>,
    net: EngineNet,
    policy: Partial<EnginePolicy>,
    readonly store: MeshStore,
    strategy?: ForwardingStrategy,
    profile: Partial<EngineProfile> = {}
  ) {
    this.tagHex = bytesToHex(tag)
    this.engine = new MeshEngine({
      store: this.store,
      clock: { now: () => net.now },
      local: this,
      policy: { maxPayloadBytes: 4096, maxTtl: 86_400_000, ...policy },
      random: () => 0.5,
      profile,
      ...(strategy === undefined ? {} : { strategy })
    })
  }

  tags(): ReadonlySet<string> {
    return new Set([this.tagHex])
  }

  /** Takes `id` unread (no receipt) until `openerId` arrives, whose acceptance then brings `id`'s receipt. */
  keepUnread(id: string, openerId: string): void {
    this.unreadUntil.set(id, openerId)
  }

  accept(envelope: StoredEnvelope): Promise<Acceptance | undefined> {
    const { id } = envelope.header
    const secret = this.secrets.get(id)
    if (secret === undefined || this.unreadUntil.has(id)) return Promise.resolve(undefined)
    this.inbox.push(id)
    const late: { id: string; secret: Uint8Array }[] = []
    for (const [kept, opener] of this.unreadUntil) {
      const keptSecret = this.secrets.get(kept)
      if (opener !== id || keptSecret === undefined) continue
      this.unreadUntil.delete(kept)
      this.inbox.push(kept)
      late.push({ id: kept, secret: keptSecret })
    }
    return Promise.resolve({ receiptSecret: secret, ops: [], late })
  }

  dropped(): string[] {
    return this.actions.flatMap((action) => (action.kind === 'dropped' ? [action.reason] : []))
  }

  failed(): FailedMessage[] {
    return this.actions.flatMap((action) => (action.kind === 'failed' ? [action.failed] : []))
  }

  /** Ids this node sent `peer` as offers or requests, in order. */
  idsSentTo(peer: string, field: 'offers' | 'requests'): string[] {
    return this.actions.flatMap((action) =>
      action.kind === 'send' && action.peer === peer ? action.frame[field].map(toHex) : []
    )
  }

  /** Envelope ids this node sent, in order. */
  sentEnvelopeIds(): string[] {
    return this.actions.flatMap((action) =>
      action.kind === 'send'
        ? action.frame.envelopes.map(
            (bytes) => decodeEnvelope(bytes, { maxPayloadBytes: Infinity }).header.id
          )
        : []
    )
  }
}
