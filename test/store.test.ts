import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { LevelStore, MemoryStore } from '../node/src/queue/index.ts'
import type { MeshStore } from '../node/src/queue/index.ts'
import { storedEnvelope, testEnvelope } from './helpers/envelopes.ts'

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

/** One suite for every MeshStore, so the simulator's store behaves as the daemon's. */
function storeSuite(
  name: string,
  create: () => Promise<{ store: MeshStore; reopen?: () => Promise<MeshStore> }>
): void {
  describe(`${name} store`, () => {
    let store: MeshStore
    let reopen: (() => Promise<MeshStore>) | undefined

    beforeEach(async () => {
      ;({ store, reopen } = await create())
      await store.open()
    })

    afterEach(async () => {
      await store.close()
    })

    const tag = new Uint8Array(16).fill(7)

    it('puts, gets and iterates envelopes, and keeps counts', async () => {
      const a = storedEnvelope(testEnvelope(tag), 'relay')
      const b = storedEnvelope(testEnvelope(tag), 'local')
      await store.apply([
        { op: 'put-envelope', envelope: a },
        { op: 'put-envelope', envelope: b }
      ])
      const [gotA, missing] = await store.getEnvelopes([a.header.id, 'ff'.repeat(32)])
      expect(gotA?.content).to.deep.equal(a.content)
      expect(gotA?.origin).to.equal('relay')
      expect(missing).to.equal(undefined)
      const ids = (await collect(store.envelopes())).map((envelope) => envelope.header.id).sort()
      expect(ids).to.deep.equal([a.header.id, b.header.id].sort())
      expect(store.counts()).to.include({ outbox: 1, relay: 1, relayBytes: a.header.size })
    })

    it('deletes envelopes and receipts, and keeps counts', async () => {
      const a = storedEnvelope(testEnvelope(tag))
      await store.apply([{ op: 'put-envelope', envelope: a }])
      await store.apply([
        { op: 'delete-envelope', envelope: a },
        { op: 'put-receipt', receipt: { id: a.header.id, secret: new Uint8Array(32), expiresAt: 5 } }
      ])
      expect(await store.getEnvelopes([a.header.id])).to.deep.equal([undefined])
      expect(store.counts()).to.include({ relay: 0, relayBytes: 0, receipts: 1 })
      const [receipt] = await store.getReceipts([a.header.id])
      expect(receipt?.expiresAt).to.equal(5)
      await store.apply([{ op: 'delete-receipt', id: a.header.id }])
      expect(store.counts().receipts).to.equal(0)
      expect(await collect(store.receipts())).to.deep.equal([])
    })

    it('lists the inbox in order of arrival', async () => {
      await store.apply([
        { op: 'put-inbox', entry: { id: 'b', receivedAt: 20, record: new Uint8Array([2]) } },
        { op: 'put-inbox', entry: { id: 'a', receivedAt: 10, record: new Uint8Array([1]) } }
      ])
      const inbox = await collect(store.inbox())
      expect(inbox.map((entry) => entry.id)).to.deep.equal(['a', 'b'])
      expect(inbox[0]?.record).to.deep.equal(new Uint8Array([1]))
      expect(store.counts().inbox).to.equal(2)
    })

    it('commits concurrent writes, each visible once it resolves', async () => {
      const envelopes = Array.from({ length: 50 }, () => storedEnvelope(testEnvelope(tag)))
      await Promise.all(envelopes.map((envelope) => store.apply([{ op: 'put-envelope', envelope }])))
      expect(store.counts().relay).to.equal(50)
      const got = await store.getEnvelopes(envelopes.map((envelope) => envelope.header.id))
      expect(got.every((envelope) => envelope !== undefined)).to.equal(true)
    })

    if (name === 'LevelDB') {
      it('keeps everything across a close and reopen', async () => {
        const a = storedEnvelope(testEnvelope(tag))
        await store.apply([
          { op: 'put-envelope', envelope: a },
          { op: 'put-receipt', receipt: { id: 'aa', secret: new Uint8Array(32), expiresAt: 9 } }
        ])
        await store.close()
        if (reopen === undefined) throw new Error('the LevelDB suite reopens')
        store = await reopen()
        await store.open()
        expect(store.counts()).to.include({ relay: 1, receipts: 1 })
        const [got] = await store.getEnvelopes([a.header.id])
        expect(got?.hopsLeft).to.equal(a.hopsLeft)
      })
    }
  })
}

const folders: string[] = []
after(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })))
})

storeSuite('memory', () => Promise.resolve({ store: new MemoryStore() }))
storeSuite('LevelDB', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'qpq-store-'))
  folders.push(folder)
  return { store: new LevelStore(folder), reopen: () => Promise.resolve(new LevelStore(folder)) }
})
