import { expect } from 'chai'
import { encodeEnvelope } from '../node/src/wire/index.ts'
import { EngineNet } from './helpers/engine-net.ts'
import { testEnvelope } from './helpers/envelopes.ts'

describe('mesh engine (sans-IO, in-memory store, manual clock)', () => {
  const tagA = new Uint8Array(16).fill(1)
  const tagB = new Uint8Array(16).fill(2)
  const tagC = new Uint8Array(16).fill(3)
  let net: EngineNet
  let secrets: Map<string, Uint8Array>

  beforeEach(() => {
    net = new EngineNet()
    secrets = new Map()
    net.add('A', tagA, secrets)
    net.add('B', tagB, secrets)
    net.add('C', tagC, secrets)
  })

  function message(tag: Uint8Array, options?: Parameters<typeof testEnvelope>[1]) {
    const envelope = testEnvelope(tag, { expiresAt: net.now + 3_600_000, ...options })
    secrets.set(envelope.id, envelope.secret)
    return envelope
  }

  async function submit(from: string, envelope: { content: Uint8Array }, hopLimit = 8): Promise<void> {
    await net.deliver(from, { kind: 'submit', envelopes: [{ content: envelope.content, hopLimit }] })
    await net.settle()
  }

  it('carries A → B → C store-and-forward, delivers once and purges copies with the receipt', async () => {
    const envelope = message(tagC)
    await submit('A', envelope)
    await net.connect('A', 'B')
    expect(net.node('B').store.counts().relay).to.equal(1)
    await net.disconnect('A', 'B')
    await net.connect('B', 'C')
    expect(net.node('C').inbox).to.deep.equal([envelope.id])
    expect(net.node('B').store.counts()).to.include({ relay: 0, receipts: 1 })
    expect(net.node('A').store.counts().outbox).to.equal(1)
    await net.connect('A', 'B')
    expect(net.node('A').store.counts().outbox).to.equal(0)
    expect(net.node('A').actions).to.deep.include({ kind: 'receipt', id: envelope.id })
  })

  it('sends nothing twice when a contact comes up again', async () => {
    await submit('A', message(tagC))
    await net.connect('A', 'B')
    const framesBefore = net
      .node('A')
      .actions.filter((action) => action.kind === 'send' && action.frame.envelopes.length > 0).length
    await net.disconnect('A', 'B')
    await net.connect('A', 'B')
    const framesAfter = net
      .node('A')
      .actions.filter((action) => action.kind === 'send' && action.frame.envelopes.length > 0).length
    expect(framesAfter).to.equal(framesBefore)
  })

  it('does not deliver a replayed envelope twice', async () => {
    const envelope = message(tagB)
    await net.connect('A', 'B')
    const frame = { envelopes: [encodeEnvelope(envelope.content, 3)], acks: [], receipts: [] }
    await net.deliver('B', { kind: 'frame', peer: 'A', frame })
    await net.deliver('B', { kind: 'frame', peer: 'A', frame })
    await net.settle()
    expect(net.node('B').inbox).to.deep.equal([envelope.id])
    expect(net.node('B').dropped()).to.include('already delivered')
  })

  it('drops malformed, oversize and expired envelopes and keeps going', async () => {
    await net.connect('A', 'B')
    const good = message(tagC)
    const frame = {
      envelopes: [
        new Uint8Array([0xff, 0xff, 0xff]),
        encodeEnvelope(message(tagC, { payloadBytes: 5000 }).content, 3),
        encodeEnvelope(message(tagC, { expiresAt: net.now - 1 }).content, 3),
        encodeEnvelope(good.content, 3)
      ],
      acks: [],
      receipts: []
    }
    await net.deliver('B', { kind: 'frame', peer: 'A', frame })
    const dropped = net.node('B').dropped()
    expect(dropped).to.have.length(3)
    expect(dropped.some((reason) => reason.includes('does not decode'))).to.equal(true)
    expect(dropped.some((reason) => reason.includes('exceeds the limit'))).to.equal(true)
    expect(dropped).to.include('expired')
    const [stored] = await net.node('B').store.getEnvelopes([good.id])
    expect(stored?.hopsLeft).to.equal(3)
  })

  it('ignores a receipt whose secret does not match the envelope', async () => {
    const envelope = message(tagC)
    await submit('A', envelope)
    await net.connect('A', 'B')
    const forged = {
      envelopeId: Buffer.from(envelope.id, 'hex'),
      secret: new Uint8Array(32),
      expiresAt: BigInt(net.now + 1000)
    }
    await net.deliver('B', {
      kind: 'frame',
      peer: 'A',
      frame: { envelopes: [], acks: [], receipts: [forged] }
    })
    expect(net.node('B').store.counts().relay).to.equal(1)
    expect(net.node('B').dropped()).to.include('receipt does not match its envelope')
  })

  it('stops forwarding at the hop limit but still hands an envelope to its recipient', async () => {
    const toC = message(tagC)
    await submit('A', toC, 1)
    await net.connect('A', 'B')
    await net.connect('B', 'C')
    expect(net.node('C').inbox).to.deep.equal([toC.id])
    net.add('D', new Uint8Array(16).fill(4), secrets)
    const toD = message(new Uint8Array(16).fill(9))
    await submit('A', toD, 1)
    await net.connect('A', 'B')
    await net.connect('B', 'D')
    expect(await net.node('D').store.getEnvelopes([toD.id])).to.deep.equal([undefined])
  })

  it('sends the peer its own envelopes first, then critical, normal and low', async () => {
    const low = message(tagC, { priority: 'low' })
    const normal = message(tagC, { priority: 'normal' })
    const critical = message(tagC, { priority: 'critical' })
    const forB = message(tagB, { priority: 'low' })
    for (const envelope of [low, normal, critical, forB]) await submit('A', envelope)
    await net.connect('A', 'B')
    const order = net.node('B').actions.flatMap((action) => (action.kind === 'delivered' ? [action.id] : []))
    expect(order).to.deep.equal([forB.id])
    const relayed = [...(await net.node('B').store.getEnvelopes([critical.id, normal.id, low.id]))].map(
      (e) => e?.receivedAt
    )
    expect(relayed.every((time) => time === net.now)).to.equal(true)
    const sent = net
      .node('A')
      .actions.flatMap((action) => (action.kind === 'send' ? action.frame.envelopes : []))
    expect(sent).to.have.length(4)
    expect(sent.map((bytes) => bytes.length)).to.have.length(4)
  })

  it('sweeps expired envelopes and receipts', async () => {
    const envelope = message(tagC, { expiresAt: net.now + 10 })
    await submit('A', envelope)
    net.now += 11
    await net.deliver('A', { kind: 'sweep' })
    expect(net.node('A').store.counts().outbox).to.equal(0)
    expect(net.node('A').dropped()).to.include('expired before delivery')
  })
})
