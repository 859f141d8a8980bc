import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { IDS_PER_FRAME, meshFrame } from '../node/src/mesh/index.ts'
import type { DropReason, EnginePolicy, MeshFrame } from '../node/src/mesh/index.ts'
import { MemoryStore } from '../node/src/queue/index.ts'
import { encodeEnvelope } from '../node/src/wire/index.ts'
import { EngineNet } from './helpers/engine-net.ts'
import { testEnvelope } from './helpers/envelopes.ts'
import type { TestEnvelope } from './helpers/envelopes.ts'

/** A peer that is no engine: frames to it are dropped by the bench, frames from it are hand-made. */
const ROGUE = 'R'

describe('mesh engine bounds against a hostile peer (in-memory store)', () => {
  const tagA = new Uint8Array(16).fill(1)
  const tagB = new Uint8Array(16).fill(2)
  const tagC = new Uint8Array(16).fill(3)
  let net: EngineNet
  let secrets: Map<string, Uint8Array>

  beforeEach(() => {
    net = new EngineNet(() => Promise.resolve(new MemoryStore()))
    secrets = new Map()
  })

  afterEach(async () => {
    await net.close()
  })

  async function nodes(policyOfB: Partial<EnginePolicy> = {}): Promise<void> {
    await net.add('A', tagA, secrets)
    await net.add('B', tagB, secrets, policyOfB)
  }

  function message(tag: Uint8Array): TestEnvelope {
    const envelope = testEnvelope(tag, { expiresAt: net.now + 3_600_000 })
    secrets.set(envelope.id, envelope.secret)
    return envelope
  }

  async function submit(from: string, envelopes: TestEnvelope[]): Promise<void> {
    await net.deliver(from, {
      kind: 'submit',
      envelopes: envelopes.map(({ content }) => ({ content, hopLimit: 8 }))
    })
    await net.settle()
  }

  /** B in contact with the rogue, which has said hello. */
  async function rogueMeets(node: string): Promise<void> {
    await net.deliver(node, { kind: 'contact-up', peer: ROGUE })
    await fromRogue(node, { hello: { tags: [] } })
  }

  async function fromRogue(node: string, fields: Partial<MeshFrame>): Promise<void> {
    await net.deliver(node, { kind: 'frame', peer: ROGUE, frame: meshFrame(fields) })
    await net.settle()
  }

  /** Random ids, cut from one buffer. */
  function ids(count: number, bytes = 32): Uint8Array[] {
    const all = new Uint8Array(randomBytes(count * bytes))
    return Array.from({ length: count }, (_, i) => all.subarray(i * bytes, (i + 1) * bytes))
  }

  function dropped(node: string, reason: DropReason): number {
    return net.node(node).engine.stats.dropped[reason] ?? 0
  }

  /** The `dropped` actions a node emitted for one reason. */
  function dropActions(node: string, reason: string): number {
    return net.node(node).actions.filter((action) => action.kind === 'dropped' && action.reason === reason)
      .length
  }

  function receipt(envelope: TestEnvelope, secret = envelope.secret, hint = false) {
    return {
      envelopeId: Buffer.from(envelope.id, 'hex'),
      secret,
      expiresAt: BigInt(net.now + 3_600_000),
      hint
    }
  }

  describe('offers and requests', () => {
    beforeEach(async () => {
      await nodes()
      await rogueMeets('B')
    })

    it('takes 300,000 duplicate offers in one frame in well under a second, holding one id and counting the rest', async () => {
      const [id] = ids(1)
      const offers = Array.from({ length: 300_000 }, () => id as Uint8Array)
      const started = performance.now()
      await fromRogue('B', { offers })
      const took = performance.now() - started
      expect(took).to.be.below(500)
      expect(dropped('B', 'over limit')).to.equal(300_000 - IDS_PER_FRAME)
      expect(dropActions('B', 'over limit')).to.equal(1)
      const held = net.node('B').engine.held()
      expect(held.wanted + held.requested).to.equal(1)
    })

    it('refuses ids of the wrong length as malformed, one action per frame', async () => {
      await fromRogue('B', { offers: ids(3000, 1), requests: ids(1000, 2) })
      expect(dropped('B', 'malformed')).to.equal(4000)
      expect(dropActions('B', 'malformed')).to.equal(1)
      const held = net.node('B').engine.held()
      expect(held.wanted + held.requested).to.equal(0)
    })

    it('holds at most maxWantedPerPeer ids of offers never served, and gives them back when the contact ends', async () => {
      await net.add('C', tagC, secrets, { maxWantedPerPeer: 5000 })
      await rogueMeets('C')
      for (let frame = 0; frame < 10; frame++) await fromRogue('C', { offers: ids(IDS_PER_FRAME) })
      const held = net.node('C').engine.held()
      expect(held.wanted).to.equal(5000)
      expect(held.requested).to.equal(512)
      expect(dropped('C', 'over limit')).to.equal(10 * IDS_PER_FRAME - 5000 - 512)
      await net.deliver('C', { kind: 'contact-down', peer: ROGUE })
      expect(net.node('C').engine.held()).to.deep.equal({
        wanted: 0,
        requested: 0,
        unacknowledged: 0,
        receiptHints: 0
      })
    })

    it('sends a peer that never acknowledges at most maxUnacknowledgedPerPeer envelopes and refuses the rest as busy', async () => {
      await net.add('C', tagC, secrets, { maxUnacknowledgedPerPeer: 40 })
      const envelopes = Array.from({ length: 100 }, () => message(tagA))
      await submit('C', envelopes)
      await net.deliver('C', { kind: 'contact-up', peer: ROGUE })
      const requests = envelopes.map(({ id }) => Buffer.from(id, 'hex'))
      await fromRogue('C', { hello: { tags: [] }, requests })
      await fromRogue('C', { requests })
      expect(net.node('C').sentEnvelopeIds()).to.have.length(40)
      expect(net.node('C').engine.held().unacknowledged).to.equal(40)
      expect(dropped('C', 'over limit')).to.equal(160)
      const refusals = net
        .node('C')
        .actions.flatMap((action) => (action.kind === 'send' ? action.frame.refusals : []))
      expect(refusals.filter(({ reason }) => reason === 'busy')).to.have.length(160)
      await fromRogue('C', { acks: requests.slice(0, 10) })
      await fromRogue('C', { requests: requests.slice(40, 60) })
      expect(net.node('C').sentEnvelopeIds()).to.have.length(50)
    })

    it('sends at most maxUnacknowledgedBytesPerPeer bytes to a peer that never acknowledges', async () => {
      const envelopes = Array.from({ length: 20 }, () => message(tagA))
      const size = envelopes[0]?.content.length ?? 0
      await net.add('C', tagC, secrets, { maxUnacknowledgedBytesPerPeer: size * 5 + 1 })
      await submit('C', envelopes)
      await net.deliver('C', { kind: 'contact-up', peer: ROGUE })
      await fromRogue('C', {
        hello: { tags: [] },
        requests: envelopes.map(({ id }) => Buffer.from(id, 'hex'))
      })
      expect(net.node('C').sentEnvelopeIds()).to.have.length(5)
      expect(dropped('C', 'over limit')).to.equal(15)
    })
  })

  describe('receipts', () => {
    it('does not let a forged receipt stop an envelope: it is still requested, delivered and the hint checked', async () => {
      await nodes()
      await net.add('C', tagC, secrets)
      const envelope = message(tagC)
      await submit('A', [envelope])
      await rogueMeets('B')
      await fromRogue('B', { receipts: [receipt(envelope, new Uint8Array(32))] })
      expect(net.node('B').engine.held().receiptHints).to.equal(1)
      expect(net.node('B').store.counts().receipts).to.equal(0)
      await net.connect('A', 'B')
      expect(net.node('B').store.counts().relay).to.equal(1)
      expect(net.node('B').engine.held().receiptHints).to.equal(0)
      expect(net.node('A').store.counts().outbox).to.equal(1)
      // A was passed the hint and found it false, but did not count B's honest relay of it as forged.
      expect(dropped('A', 'forged receipt')).to.equal(0)
      await net.connect('B', 'C')
      expect(net.node('C').inbox).to.deep.equal([envelope.id])
    })

    it('counts a receipt that claims to be verified and does not match a held envelope as forged', async () => {
      await nodes()
      const envelope = message(tagC)
      await submit('A', [envelope])
      await rogueMeets('A')
      await fromRogue('A', {
        receipts: [receipt(envelope, new Uint8Array(32)), receipt(envelope, new Uint8Array(32), true)]
      })
      expect(dropped('A', 'forged receipt')).to.equal(1)
      expect(net.node('A').store.counts().outbox).to.equal(1)
    })

    it('passes a true hint to the peer that offers its envelope, which purges its copy', async () => {
      await nodes()
      const envelope = message(tagC)
      await submit('A', [envelope])
      await rogueMeets('B')
      await fromRogue('B', { receipts: [receipt(envelope)] })
      await net.connect('A', 'B')
      expect(net.node('A').store.counts()).to.include({ outbox: 0, receipts: 1 })
      expect(net.node('A').actions).to.deep.include({ kind: 'receipt', id: envelope.id })
      expect(net.node('B').store.counts().relay).to.equal(0)
    })

    it('turns a true hint into a verified receipt when its envelope arrives, and keeps no copy', async () => {
      await nodes()
      await net.add('C', tagC, secrets)
      const envelope = message(tagC)
      await rogueMeets('B')
      await fromRogue('B', { receipts: [receipt(envelope)] })
      await net.deliver('B', { kind: 'contact-up', peer: 'A' })
      await net.deliver('B', {
        kind: 'frame',
        peer: 'A',
        frame: meshFrame({ hello: { tags: [] }, envelopes: [encodeEnvelope(envelope.content, 3)] })
      })
      expect(net.node('B').store.counts()).to.include({ relay: 0, receipts: 1 })
      expect(net.node('B').engine.held().receiptHints).to.equal(0)
    })

    it('keeps at most the hint quotas of 200,000 random receipts, per peer and in total, and stores none', async () => {
      await nodes({ maxReceiptHintsPerPeer: 1000, maxReceiptHints: 1500 })
      await rogueMeets('B')
      const forged = (count: number) =>
        ids(count).map((envelopeId) => ({ envelopeId, secret: envelopeId, expiresAt: 1n, hint: false }))
      const started = performance.now()
      for (let sent = 0; sent < 200_000; sent += IDS_PER_FRAME)
        await fromRogue('B', { receipts: forged(IDS_PER_FRAME) })
      expect(performance.now() - started).to.be.below(10_000)
      expect(net.node('B').engine.held().receiptHints).to.equal(1000)
      expect(net.node('B').store.counts().receipts).to.equal(0)
      await net.deliver('B', { kind: 'contact-up', peer: 'S' })
      await net.deliver('B', {
        kind: 'frame',
        peer: 'S',
        frame: meshFrame({ hello: { tags: [] }, receipts: forged(800) })
      })
      expect(net.node('B').engine.held().receiptHints).to.equal(1500)
      // Nothing unverified went on to A.
      await net.connect('A', 'B')
      const relayed = net.node('B').actions.filter((action) => action.kind === 'send' && action.peer === 'A')
      expect(
        relayed.flatMap((action) => (action.kind === 'send' ? action.frame.receipts : []))
      ).to.deep.equal([])
    })

    it('keeps at most maxReceipts verified receipts, those expiring soonest making way', async () => {
      await nodes({ maxReceipts: 3 })
      const envelopes = Array.from({ length: 8 }, () => message(tagB))
      await submit('A', envelopes)
      await net.connect('A', 'B')
      expect(net.node('B').inbox).to.have.length(8)
      // Receipts written in a cycle are trimmed by the next one (in the daemon at the latest by its sweep).
      await net.deliver('B', { kind: 'sweep', limit: 0 })
      expect(net.node('B').store.counts().receipts).to.equal(3)
      expect(dropped('B', 'receipt quota')).to.equal(5)
    })
  })
})
