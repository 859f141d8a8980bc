import { expect } from 'chai'
import {
  DEFAULT_POLICY,
  OFFER_BATCH,
  RANDOM_ORDER,
  resendDropped,
  retryDelay,
  meshFrame
} from '../node/src/mesh/index.ts'
import type { EnginePolicy, EngineProfile } from '../node/src/mesh/index.ts'
import { encodeEnvelope, readHeader, toHex } from '../node/src/wire/index.ts'
import { MemoryStore } from '../node/src/queue/index.ts'
import { LevelStore } from '../node/src/storage/index.ts'
import { TestFolders } from './helpers/daemons.ts'
import { EngineNet } from './helpers/engine-net.ts'
import { testEnvelope } from './helpers/envelopes.ts'

const folders = new TestFolders()

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}
after(async () => {
  await folders.removeAll()
})

for (const [storeName, createStore] of [
  ['in-memory', () => Promise.resolve(new MemoryStore())],
  ['LevelDB', async () => new LevelStore(await folders.make('qpq-engine-'))]
] as const) {
  describe(`mesh engine (sans-IO, ${storeName} store, manual clock)`, () => {
    const tagA = new Uint8Array(16).fill(1)
    const tagB = new Uint8Array(16).fill(2)
    const tagC = new Uint8Array(16).fill(3)
    const tagD = new Uint8Array(16).fill(4)
    let net: EngineNet
    let secrets: Map<string, Uint8Array>

    async function nodes(
      policyOfB: Partial<EnginePolicy> = {},
      profileOfB: Partial<EngineProfile> = {}
    ): Promise<void> {
      await net.add('A', tagA, secrets)
      await net.add('B', tagB, secrets, policyOfB, undefined, profileOfB)
      await net.add('C', tagC, secrets)
      await net.add('D', tagD, secrets)
    }

    beforeEach(() => {
      net = new EngineNet(createStore)
      secrets = new Map()
    })

    afterEach(async () => {
      await net.close()
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

    describe('store and forward', () => {
      beforeEach(async () => {
        await nodes()
      })

      it('carries A → B → C, delivers once and purges copies with the receipt', async () => {
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

      it('offers on contact only from the buckets where the two digests differ; each side still gets all it lacks', async () => {
        const shared = Array.from({ length: 40 }, () => message(tagD))
        for (const envelope of shared) await submit('A', envelope)
        await net.connect('A', 'B')
        await net.disconnect('A', 'B')
        expect(net.node('B').store.counts().relay).to.equal(shared.length)
        const newAtA = [message(tagD), message(tagD), message(tagD)]
        for (const envelope of newAtA) await submit('A', envelope)
        const fromC = [message(tagD), message(tagD)]
        for (const envelope of fromC) await submit('C', envelope)
        await net.connect('B', 'C')
        await net.disconnect('B', 'C')
        const offeredEarlier = net.node('A').idsSentTo('B', 'offers').length
        await net.connect('A', 'B')
        const offered = net.node('A').idsSentTo('B', 'offers').slice(offeredEarlier)
        expect(offered).to.include.members(newAtA.map((envelope) => envelope.id))
        expect(offered.length).to.be.lessThan(shared.length / 2)
        for (const { id } of [...shared, ...newAtA, ...fromC]) {
          expect(net.node('A').store.hasEnvelope(id), `A holds ${id}`).to.equal(true)
          expect(net.node('B').store.hasEnvelope(id), `B holds ${id}`).to.equal(true)
        }
      })

      it('offers everything it holds to a peer whose hello carries no digest (an older node) or a malformed one', async () => {
        const held = Array.from({ length: 5 }, () => message(tagD))
        for (const envelope of held) await submit('A', envelope)
        for (const [peer, heldDigest] of [
          ['old', undefined],
          ['faulty', new Uint8Array(13)]
        ] as const) {
          await net.deliver('A', { kind: 'contact-up', peer })
          const hello = heldDigest === undefined ? { tags: [tagB] } : { tags: [tagB], heldDigest }
          await net.deliver('A', { kind: 'frame', peer, frame: meshFrame({ hello }) })
          expect(net.node('A').idsSentTo(peer, 'offers'), peer).to.have.members(
            held.map((envelope) => envelope.id)
          )
        }
      })

      it('delivers an envelope taken unread once a later one opens it, and purges its copies', async () => {
        const early = message(tagC)
        const opener = message(tagC)
        net.node('C').keepUnread(early.id, opener.id)
        await submit('A', early)
        await net.connect('A', 'B')
        await net.connect('B', 'C')
        expect(net.node('C').inbox).to.deep.equal([])
        expect(net.node('C').store.counts()).to.include({ relay: 1, receipts: 0 })
        expect(net.node('B').store.counts()).to.include({ relay: 1, receipts: 0 })
        await submit('A', opener)
        expect(net.node('C').inbox).to.deep.equal([opener.id, early.id])
        expect(net.node('C').actions).to.deep.include({ kind: 'delivered', id: early.id })
        expect(net.node('C').store.counts()).to.include({ relay: 0, receipts: 2 })
        expect(net.node('B').store.counts()).to.include({ relay: 0, receipts: 2 })
        expect(net.node('A').store.counts().outbox).to.equal(0)
        expect(net.node('A').actions).to.deep.include({ kind: 'receipt', id: early.id })
      })

      it('sends nothing twice when a contact comes up again', async () => {
        await submit('A', message(tagC))
        await net.connect('A', 'B')
        expect(net.node('A').sentEnvelopeIds()).to.have.length(1)
        await net.disconnect('A', 'B')
        await net.connect('A', 'B')
        expect(net.node('A').sentEnvelopeIds()).to.have.length(1)
        expect(net.node('B').sentEnvelopeIds()).to.have.length(0)
      })

      it('does not deliver a replayed envelope twice', async () => {
        const envelope = message(tagB)
        await net.connect('A', 'B')
        const replayed = meshFrame({ envelopes: [encodeEnvelope(envelope.content, 3)] })
        await net.deliver('B', { kind: 'frame', peer: 'A', frame: replayed })
        await net.deliver('B', { kind: 'frame', peer: 'A', frame: replayed })
        await net.settle()
        expect(net.node('B').inbox).to.deep.equal([envelope.id])
        expect(net.node('B').dropped()).to.include('already delivered')
      })

      it('drops malformed, oversize and expired envelopes and keeps going; refuses the oversize one by id', async () => {
        await net.connect('A', 'B')
        const good = message(tagC)
        const oversize = message(tagC, { payloadBytes: 5000 })
        const envelopes = meshFrame({
          envelopes: [
            new Uint8Array([0xff, 0xff, 0xff]),
            encodeEnvelope(oversize.content, 3),
            encodeEnvelope(message(tagC, { expiresAt: net.now - 1 }).content, 3),
            encodeEnvelope(good.content, 3)
          ]
        })
        await net.deliver('B', { kind: 'frame', peer: 'A', frame: envelopes })
        expect(net.node('B').dropped()).to.deep.equal(['malformed', 'too large', 'expired'])
        const refusals = net
          .node('B')
          .actions.flatMap((action) => (action.kind === 'send' ? action.frame.refusals : []))
        expect(refusals.map(({ envelopeId, reason }) => [toHex(envelopeId), reason])).to.deep.equal([
          [oversize.id, 'too large']
        ])
        const details = net
          .node('B')
          .actions.flatMap((action) => (action.kind === 'dropped' ? [action.detail] : []))
        expect(details.join(' ')).to.match(/does not decode.*exceeds the limit/)
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
          expiresAt: 1n,
          hint: false
        }
        await net.deliver('B', { kind: 'frame', peer: 'A', frame: meshFrame({ receipts: [forged] }) })
        expect(net.node('B').store.counts().relay).to.equal(1)
        expect(net.node('B').dropped()).to.include('forged receipt')
      })

      it('offers a large store a batch at a time, the next when the peer asks, and sends each envelope once', async () => {
        const count = OFFER_BATCH + 100
        const envelopes = Array.from({ length: count }, () => message(tagC, { payloadBytes: 16 }))
        await net.deliver('A', {
          kind: 'submit',
          envelopes: envelopes.map(({ content }) => ({ content, hopLimit: 8 }))
        })
        await net.connect('A', 'B')
        const offerFrames = net
          .node('A')
          .actions.flatMap((action) =>
            action.kind === 'send' && action.frame.offers.length > 0 ? [action.frame.offers.length] : []
          )
        expect(offerFrames).to.deep.equal([OFFER_BATCH, 100])
        const complete = net
          .node('A')
          .actions.flatMap((action) =>
            action.kind === 'send' && action.frame.offers.length > 0 ? [action.frame.offersComplete] : []
          )
        expect(complete).to.deep.equal([false, true])
        const asked = net
          .node('B')
          .actions.filter((action) => action.kind === 'send' && action.frame.moreOffers)
        expect(asked).to.have.length(1)
        expect(net.node('B').store.counts().relay).to.equal(count)
        expect(new Set(net.node('A').sentEnvelopeIds()).size).to.equal(count)
        expect(net.node('A').sentEnvelopeIds()).to.have.length(count)
      })

      it('asks for more offers only when they do not say the walk is complete (older peers never say)', async () => {
        await net.connect('A', 'B')
        const offers = [Buffer.alloc(32, 7)]
        const askedFor = async (offersComplete: boolean): Promise<number> => {
          const before = net.node('B').actions.length
          await net.deliver('B', { kind: 'frame', peer: 'A', frame: meshFrame({ offers, offersComplete }) })
          return net
            .node('B')
            .actions.slice(before)
            .filter((action) => action.kind === 'send' && action.frame.moreOffers).length
        }
        expect(await askedFor(true)).to.equal(0)
        expect(await askedFor(false)).to.equal(1)
      })

      it('stops forwarding at the hop limit but still hands an envelope to its recipient', async () => {
        const toC = message(tagC)
        await submit('A', toC, 1)
        await net.connect('A', 'B')
        await net.connect('B', 'C')
        expect(net.node('C').inbox).to.deep.equal([toC.id])
        const toNobody = message(new Uint8Array(16).fill(9))
        await submit('A', toNobody, 1)
        await net.connect('B', 'D')
        expect(await net.node('D').store.getEnvelopes([toNobody.id])).to.deep.equal([undefined])
      })
    })

    describe('outbox order, staleness and retries', () => {
      beforeEach(async () => {
        await nodes({ maxRelayBytesPerPeer: 600 })
      })

      it('on contact sends the peer its own envelopes first, then critical, normal, low, oldest first', async () => {
        const low = message(tagC, { priority: 'low' })
        const normal = message(tagC, { priority: 'normal' })
        const olderCritical = message(tagC, { priority: 'critical' })
        await submit('A', olderCritical)
        net.now += 1
        const critical = message(tagC, { priority: 'critical' })
        const forD = message(tagD, { priority: 'low' })
        for (const envelope of [low, normal, critical, forD]) await submit('A', envelope)
        await net.connect('A', 'D')
        expect(net.node('A').sentEnvelopeIds()).to.deep.equal([
          forD.id,
          olderCritical.id,
          critical.id,
          normal.id,
          low.id
        ])
      })

      it('drops a low-priority envelope older than its staleness limit instead of sending it', async () => {
        const typing = message(tagC, { priority: 'low' })
        const chat = message(tagC, { priority: 'normal' })
        await submit('A', typing)
        await submit('A', chat)
        net.now += DEFAULT_POLICY.staleLowAfter + 1
        await net.connect('A', 'D')
        expect(net.node('A').sentEnvelopeIds()).to.deep.equal([chat.id])
        expect(
          net
            .node('A')
            .failed()
            .map(({ id, reason }) => [id, reason])
        ).to.deep.equal([[typing.id, 'stale']])
        expect(net.node('A').store.counts()).to.include({ outbox: 1, failed: 1 })
      })

      it('backs off with full jitter, doubling up to the cap', () => {
        const policy = { ...DEFAULT_POLICY, retryBase: 1000, retryCap: 8000 }
        const almostOne = (): number => 0.999_999
        expect([1, 2, 3, 4, 5, 9].map((failures) => retryDelay(policy, failures, almostOne))).to.deep.equal([
          999, 1999, 3999, 7999, 7999, 7999
        ])
        expect(retryDelay(policy, 3, () => 0)).to.equal(0)
      })

      it('records a refused hand-off, waits out the backoff, and retries on a new contact', async () => {
        const big = message(tagC, { payloadBytes: 800 })
        await submit('A', big)
        await net.connect('A', 'B')
        expect(net.node('B').dropped()).to.deep.equal(['peer quota'])
        const attempts = net.node('A').engine.attempts(big.id)
        expect(attempts).to.include({ attempts: 1, failures: 1, lastError: 'refused by B: peer quota' })
        expect(attempts?.nextAttemptAt).to.equal(net.now + 500)
        expect(net.node('A').actions).to.deep.include({ kind: 'timer', at: net.now + 500 })
        await net.deliver('A', { kind: 'retry' })
        await net.settle()
        expect(net.node('A').sentEnvelopeIds()).to.have.length(1)
        await net.connect('A', 'C')
        expect(net.node('C').inbox).to.deep.equal([big.id])
      })

      it('flushes on demand and discards on demand', async () => {
        const first = message(tagC)
        const second = message(tagC)
        await submit('A', first)
        await submit('A', second)
        await net.deliver('A', { kind: 'discard', ids: [first.id] })
        expect(net.node('A').store.counts().outbox).to.equal(1)
        await net.connect('A', 'D')
        await net.deliver('A', { kind: 'flush' })
        await net.settle()
        expect(net.node('A').sentEnvelopeIds()).to.deep.equal([second.id])
        await net.deliver('A', { kind: 'discard' })
        expect(net.node('A').store.counts().outbox).to.equal(0)
      })
    })

    describe('failed messages', () => {
      const { maxRefusals } = DEFAULT_POLICY

      /** Tries every outbox envelope of A again, as `qpq-node outbox flush` does. */
      async function flush(): Promise<void> {
        await net.deliver('A', { kind: 'flush' })
        await net.settle()
      }

      it('fails an envelope a peer refuses as too large maxRefusals times, and records why', async () => {
        await nodes({ maxPayloadBytes: 1024 })
        const big = message(tagB, { payloadBytes: 2000 })
        await submit('A', big)
        await net.connect('A', 'B')
        expect(net.node('B').dropped()).to.deep.equal(['too large'])
        expect(net.node('A').engine.attempts(big.id)).to.deep.include({
          attempts: 1,
          lastError: 'refused by B: too large',
          refusals: { 'too large': 1 }
        })
        for (let refusals = 2; refusals < maxRefusals; refusals++) await flush()
        expect(net.node('A').store.counts()).to.include({ outbox: 1, failed: 0 })
        await flush()
        expect(net.node('B').dropped()).to.have.length(maxRefusals)
        expect(net.node('A').store.counts()).to.include({ outbox: 0, failed: 1 })
        expect(net.node('A').engine.attempts(big.id)).to.equal(undefined)
        const expected = {
          id: big.id,
          recipient: '',
          priority: 'normal',
          reason: 'too large',
          detail: `refused ${maxRefusals} times as too large, last by B`,
          queuedAt: net.now,
          failedAt: net.now
        }
        expect(net.node('A').failed()).to.deep.equal([expected])
        expect(await collect(net.node('A').store.failed())).to.deep.equal([expected])
        expect(net.node('A').engine.stats.failed).to.deep.equal({ 'too large': 1 })
        await flush()
        expect(net.node('A').sentEnvelopeIds()).to.have.length(maxRefusals)
      })

      it('keeps an envelope a peer took a copy of, whatever others refuse', async () => {
        await nodes({ maxPayloadBytes: 1024 })
        const big = message(tagD, { payloadBytes: 2000 })
        await submit('A', big)
        await net.connect('A', 'C')
        await net.connect('A', 'B')
        for (let refusals = 1; refusals < maxRefusals + 2; refusals++) await flush()
        expect(net.node('A').engine.attempts(big.id)?.refusals).to.deep.equal({
          'too large': maxRefusals + 2
        })
        expect(net.node('A').store.counts()).to.include({ outbox: 1, failed: 0 })
      })

      it('only backs off on refusals that may pass (a quota), and fails none for them', async () => {
        await nodes({ maxRelayBytesPerPeer: 600 })
        const big = message(tagC, { payloadBytes: 800 })
        await submit('A', big)
        await net.connect('A', 'B')
        for (let refusals = 1; refusals < maxRefusals + 2; refusals++) await flush()
        expect(net.node('B').dropped()).to.deep.equal(Array(maxRefusals + 2).fill('peer quota'))
        expect(net.node('A').engine.attempts(big.id)).to.deep.include({
          lastError: 'refused by B: peer quota',
          refusals: {}
        })
        expect(net.node('A').store.counts()).to.include({ outbox: 1, failed: 0 })
      })

      it('fails an envelope that expires unsent, with its last error', async () => {
        await nodes({ maxRelayBytesPerPeer: 600 })
        const refused = message(tagC, { payloadBytes: 800, expiresAt: net.now + 10_000 })
        const unsent = message(tagC, { expiresAt: net.now + 20_000 })
        await submit('A', refused)
        await submit('A', unsent)
        await net.connect('A', 'B')
        await net.disconnect('A', 'B')
        net.now += 30_000
        await net.deliver('A', { kind: 'sweep', limit: 100 })
        expect(net.node('A').store.counts()).to.include({ outbox: 0, failed: 2 })
        expect(
          net
            .node('A')
            .failed()
            .map(({ id, reason, detail }) => [id, reason, detail])
        ).to.deep.equal([
          [refused.id, 'expired', 'expired before delivery; last error: refused by B: peer quota'],
          [unsent.id, 'expired', 'expired before delivery']
        ])
        expect(net.node('A').engine.stats.failed).to.deep.equal({ expired: 2 })
        expect(net.node('A').dropped()).to.deep.equal([])
      })
    })

    describe('random send order (the ONE model)', () => {
      beforeEach(async () => {
        await nodes({}, { sendOrder: RANDOM_ORDER })
      })

      it("shuffles a batch of offers with the engine's random source, the peer's own envelopes still first", async () => {
        const forC = [message(tagC), message(tagC), message(tagC), message(tagC)]
        const forD = message(tagD)
        for (const envelope of [...forC, forD]) {
          await submit('B', envelope)
          net.now += 1
        }
        await net.connect('B', 'D')
        // Fisher–Yates with random() = 0.5 swaps 3↔2, then 2↔1, then leaves 1 where it is.
        const [first, second, third, fourth] = forC.map((envelope) => envelope.id)
        expect(net.node('B').sentEnvelopeIds()).to.deep.equal([forD.id, first, fourth, second, third])
      })
    })

    describe('relay store quotas and eviction', () => {
      const size = testEnvelope(tagC).content.length

      it('refuses a flooding peer beyond its quota and still takes envelopes from others', async () => {
        await nodes({ maxRelayBytesPerPeer: 2 * size + 10 })
        for (let i = 0; i < 4; i++) await submit('A', message(tagC))
        await submit('D', message(tagC))
        await net.connect('A', 'B')
        await net.connect('D', 'B')
        expect(net.node('B').store.counts().relay).to.equal(3)
        expect(net.node('B').engine.stats.refusedByPeer).to.deep.equal({ A: 2 })
        expect(net.node('B').engine.stats.dropped).to.deep.include({ 'peer quota': 2 })
      })

      it('refuses beyond the per-recipient quota', async () => {
        await nodes({ maxRelayBytesPerRecipient: size + 10 })
        await submit('A', message(tagC))
        await submit('A', message(tagC))
        await submit('A', message(tagD))
        await net.connect('A', 'B')
        expect(net.node('B').store.counts().relay).to.equal(2)
        expect(net.node('B').dropped()).to.deep.equal(['recipient quota'])
      })

      it('evicts expired, then low, then the oldest normal, never a higher priority than it admits', async () => {
        await nodes({ maxRelayBytes: 3 * size + 10 })
        const expiring = message(tagC, { priority: 'critical', expiresAt: net.now + 5 })
        const low = message(tagC, { priority: 'low' })
        const critical = message(tagC, { priority: 'critical' })
        for (const envelope of [expiring, low, critical]) await submit('A', envelope)
        await net.connect('A', 'B')
        expect(net.node('B').store.counts().relay).to.equal(3)
        net.now += 10
        const normal1 = message(tagC)
        await submit('D', normal1)
        await net.connect('D', 'B')
        const held = async (): Promise<string[]> => {
          const ids: string[] = []
          for await (const page of net.node('B').store.summaries('send'))
            ids.push(...page.map((s) => s.header.id))
          return ids
        }
        expect(await held()).to.have.members([low.id, critical.id, normal1.id])
        net.now += 1
        const normal2 = message(tagC)
        await submit('D', normal2)
        expect(await held()).to.have.members([critical.id, normal1.id, normal2.id])
        net.now += 1
        const normal3 = message(tagC)
        await submit('D', normal3)
        expect(await held()).to.have.members([critical.id, normal2.id, normal3.id])
        await submit('D', message(tagC, { priority: 'low' }))
        expect(await held()).to.have.members([critical.id, normal2.id, normal3.id])
        expect(net.node('B').dropped()).to.deep.equal(['evicted', 'evicted', 'evicted', 'store full'])
      })
    })

    describe('eviction at transfer start and re-sending (the ONE model)', () => {
      const size = testEnvelope(tagC).content.length
      const incoming = (envelope: { content: Uint8Array }) =>
        ({ kind: 'incoming', peer: 'D', header: readHeader(envelope.content) }) as const
      for (const resends of [false, true]) {
        it(`evicts as an envelope starts arriving${resends ? ', then asks again a peer that offered what it evicted' : ''}`, async () => {
          await nodes({ maxRelayBytes: size + 10 }, resends ? { dropped: resendDropped } : {})
          const first = message(tagC)
          await submit('A', first)
          await net.connect('A', 'B')
          expect(net.node('B').idsSentTo('A', 'offers')).to.deep.equal(resends ? [first.id] : [])
          // The offer back to the sender goes in the frame that acknowledges the envelope.
          const answers = net
            .node('B')
            .actions.filter((action) => action.kind === 'send' && action.frame.acks.length > 0)
          expect(answers.map((action) => action.kind === 'send' && action.frame.offers.length)).to.deep.equal(
            [resends ? 1 : 0]
          )
          await net.deliver('B', incoming(message(tagB)))
          expect(net.node('B').dropped()).to.deep.equal([])
          await net.deliver('B', incoming(message(tagC)))
          expect(net.node('B').dropped()).to.deep.equal(['evicted'])
          expect(net.node('B').idsSentTo('A', 'requests')).to.deep.equal(
            resends ? [first.id, first.id] : [first.id]
          )
          await net.settle()
          expect(net.node('B').store.hasEnvelope(first.id)).to.equal(resends)
        })
      }
    })

    it('sweeps expired envelopes and receipts a batch at a time', async () => {
      await nodes()
      for (let i = 0; i < 3; i++) await submit('A', message(tagC, { expiresAt: net.now + 10 }))
      net.now += 11
      await net.deliver('A', { kind: 'sweep', limit: 2 })
      expect(net.node('A').store.counts().outbox).to.equal(1)
      expect(net.node('A').actions).to.deep.include({ kind: 'swept', envelopes: 2, receipts: 0 })
      await net.deliver('A', { kind: 'sweep', limit: 2 })
      expect(net.node('A').store.counts().outbox).to.equal(0)
      expect(
        net
          .node('A')
          .failed()
          .map(({ reason }) => reason)
      ).to.deep.equal(['expired', 'expired', 'expired'])
    })
  })
}
