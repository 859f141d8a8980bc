import { expect } from 'chai'
import { createStrategy, KEEP_RECEIPTS, meshFrame } from '../node/src/mesh/index.ts'
import type { EngineProfile, StrategySpec } from '../node/src/mesh/index.ts'
import { MemoryStore } from '../node/src/queue/index.ts'
import { LevelStore } from '../node/src/storage/index.ts'
import { TestFolders } from './helpers/daemons.ts'
import { EngineNet } from './helpers/engine-net.ts'
import { testEnvelope } from './helpers/envelopes.ts'

const folders = new TestFolders()
after(async () => {
  await folders.removeAll()
})

const NAMES = ['A', 'B', 'C', 'D', 'E'] as const
type Name = (typeof NAMES)[number]
const tags = new Map(NAMES.map((name, i) => [name, new Uint8Array(16).fill(i + 1)]))

function tagOf(name: Name): Uint8Array {
  return tags.get(name) ?? new Uint8Array(16)
}

for (const [storeName, createStore] of [
  ['in-memory', () => Promise.resolve(new MemoryStore())],
  ['LevelDB', async () => new LevelStore(await folders.make('qpq-strategy-'))]
] as const) {
  describe(`forwarding strategies (${storeName} store)`, () => {
    let net: EngineNet
    let secrets: Map<string, Uint8Array>

    async function network(spec: StrategySpec, profile: Partial<EngineProfile> = {}): Promise<void> {
      for (const name of NAMES) await net.add(name, tagOf(name), secrets, {}, createStrategy(spec), profile)
    }

    async function submit(from: Name, to: Name): Promise<string> {
      const envelope = testEnvelope(tagOf(to), { expiresAt: net.now + 3_600_000 })
      secrets.set(envelope.id, envelope.secret)
      await net.deliver(from, { kind: 'submit', envelopes: [{ content: envelope.content, hopLimit: 8 }] })
      await net.settle()
      return envelope.id
    }

    async function meet(a: Name, b: Name): Promise<void> {
      await net.connect(a, b)
      await net.disconnect(a, b)
      net.now += 1000
    }

    async function copiesAt(name: Name, id: string): Promise<number | undefined> {
      const [envelope] = await net.node(name).store.getEnvelopes([id])
      return envelope === undefined ? undefined : (envelope.copies ?? 1)
    }

    beforeEach(() => {
      net = new EngineNet(createStore)
      secrets = new Map()
    })

    afterEach(async () => {
      await net.close()
    })

    it('spray and wait (binary) halves the copies at each hand-off, then waits for the recipient', async () => {
      await network({ name: 'spray-and-wait', copies: 4 })
      const id = await submit('A', 'E')
      await meet('A', 'B')
      expect([await copiesAt('A', id), await copiesAt('B', id)]).to.deep.equal([2, 2])
      await meet('A', 'C')
      expect([await copiesAt('A', id), await copiesAt('C', id)]).to.deep.equal([1, 1])
      await meet('A', 'D')
      await meet('C', 'D')
      expect(await copiesAt('D', id)).to.equal(undefined)
      await meet('B', 'D')
      expect([await copiesAt('B', id), await copiesAt('D', id)]).to.deep.equal([1, 1])
      await meet('D', 'E')
      expect(net.node('E').inbox).to.deep.equal([id])
    })

    it('spray and wait (source) hands one copy to each peer', async () => {
      await network({ name: 'spray-and-wait', copies: 3, mode: 'source' })
      const id = await submit('A', 'E')
      await meet('A', 'B')
      await meet('B', 'C')
      expect([await copiesAt('A', id), await copiesAt('B', id), await copiesAt('C', id)]).to.deep.equal([
        2,
        1,
        undefined
      ])
      await meet('A', 'C')
      await meet('A', 'D')
      expect([await copiesAt('A', id), await copiesAt('C', id), await copiesAt('D', id)]).to.deep.equal([
        1,
        1,
        undefined
      ])
    })

    it('direct delivery hands an envelope only to its recipient', async () => {
      await network({ name: 'direct-delivery' })
      const id = await submit('A', 'C')
      await meet('A', 'B')
      expect(net.node('B').store.counts().relay).to.equal(0)
      await meet('A', 'C')
      expect(net.node('C').inbox).to.deep.equal([id])
    })

    it('first contact hands the only copy to the first peer and deletes its own', async () => {
      await network({ name: 'first-contact' })
      const id = await submit('A', 'D')
      await meet('A', 'B')
      expect([await copiesAt('A', id), await copiesAt('B', id)]).to.deep.equal([undefined, 1])
      expect(net.node('A').actions).to.deep.include({ kind: 'handed-over', id })
      await meet('B', 'C')
      expect([await copiesAt('B', id), await copiesAt('C', id)]).to.deep.equal([undefined, 1])
      await meet('C', 'D')
      expect(net.node('D').inbox).to.deep.equal([id])
    })

    it('PRoPHET forwards to a peer that meets the recipient more often, not to a stranger', async () => {
      await network({ name: 'prophet' })
      await meet('B', 'E')
      const id = await submit('A', 'E')
      await meet('A', 'D')
      expect(await copiesAt('D', id)).to.equal(undefined)
      await meet('A', 'B')
      expect(await copiesAt('B', id)).to.equal(1)
    })

    it('PRoPHET learns transitively: a peer that met a node that meets the recipient', async () => {
      await network({ name: 'prophet' })
      await meet('C', 'E')
      await meet('B', 'C')
      const id = await submit('A', 'E')
      await meet('A', 'B')
      expect(await copiesAt('B', id)).to.equal(1)
    })

    it('PRoPHET ignores malformed predictabilities and keeps the contact going', async () => {
      await network({ name: 'prophet' })
      const id = await submit('A', 'B')
      await net.deliver('A', { kind: 'contact-up', peer: 'B' })
      await net.deliver('A', {
        kind: 'frame',
        peer: 'B',
        frame: meshFrame({ hello: { tags: [tagOf('B')], strategy: new Uint8Array([0xff, 0xff, 0xff]) } })
      })
      const offered = net
        .node('A')
        .actions.flatMap((action) => (action.kind === 'send' ? action.frame.offers : []))
      expect(offered.map((bytes) => Buffer.from(bytes).toString('hex'))).to.deep.equal([id])
    })

    it('without shared receipts, relays keep their copies after the delivery', async () => {
      await network({ name: 'epidemic' }, { receipts: KEEP_RECEIPTS })
      const id = await submit('A', 'C')
      await meet('A', 'B')
      await meet('B', 'C')
      expect(net.node('C').inbox).to.deep.equal([id])
      expect(await copiesAt('B', id)).to.equal(1)
      await meet('A', 'C')
      expect(net.node('C').inbox).to.deep.equal([id])
      expect(net.node('A').store.counts().outbox).to.equal(1)
    })
  })
}
