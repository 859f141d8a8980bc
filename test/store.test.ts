import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { bucketOf, FAILED_KEPT, MemoryStore, SUMMARY_PAGE } from '../node/src/queue/index.ts'
import type { FailedMessage, MeshStore, StoreOp, Walk } from '../node/src/queue/index.ts'
import { LevelStore } from '../node/src/storage/index.ts'
import type { Priority } from '../node/src/wire/index.ts'
import { storedEnvelope, testEnvelope } from './helpers/envelopes.ts'

async function collect<T>(items: Walk<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i)
}

async function collectPages<T>(pages: Walk<T[]>): Promise<T[]> {
  return (await collect(pages)).flat()
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
      const ids = (await collectPages(store.summaries('send'))).map((summary) => summary.header.id).sort()
      expect(ids).to.deep.equal([a.header.id, b.header.id].sort())
      expect(store.counts()).to.include({ outbox: 1, relay: 1, relayBytes: a.header.size })
      expect(store.hasEnvelope(a.header.id)).to.equal(true)
      expect(store.relayBytesFrom('peer-a')).to.equal(a.header.size)
      expect(store.relayBytesFor(a.header.tag)).to.equal(a.header.size)
      expect(store.holdsFor(a.header.tag)).to.equal(true)
      expect(store.holdsFor('00'.repeat(16))).to.equal(false)
    })

    it('deletes envelopes and receipts, and keeps counts', async () => {
      const a = storedEnvelope(testEnvelope(tag))
      await store.apply([{ op: 'put-envelope', envelope: a }])
      const receipt = { id: a.header.id, secret: new Uint8Array(32), expiresAt: 5 }
      await store.apply([
        { op: 'delete-envelope', envelope: a },
        { op: 'put-receipt', receipt }
      ])
      expect(await store.getEnvelopes([a.header.id])).to.deep.equal([undefined])
      expect(store.counts()).to.include({ relay: 0, relayBytes: 0, receipts: 1 })
      expect(store.relayBytesFrom('peer-a')).to.equal(0)
      expect(store.holdsFor(a.header.tag)).to.equal(false)
      expect((await store.getReceipts([a.header.id]))[0]?.expiresAt).to.equal(5)
      expect((await collect(store.expiredReceipts(4))).length).to.equal(0)
      expect((await collect(store.expiredReceipts(5))).map((expired) => expired.id)).to.deep.equal([
        a.header.id
      ])
      await store.apply([{ op: 'delete-receipt', receipt }])
      expect(store.counts().receipts).to.equal(0)
      expect(store.hasReceipt(a.header.id)).to.equal(false)
      expect(await collect(store.expiredReceipts(Infinity))).to.deep.equal([])
    })

    it('looks ids up by their bytes as they come off the wire, ids sharing their first bits included', async () => {
      const envelope = storedEnvelope(testEnvelope(tag))
      const near = (last: string): string => `abcdef0${last.repeat(57)}`
      const receipts = ['1', '2'].map((last) => ({
        id: near(last),
        secret: new Uint8Array(32),
        expiresAt: 9
      }))
      await store.apply([
        { op: 'put-envelope', envelope },
        ...receipts.map((receipt) => ({ op: 'put-receipt' as const, receipt }))
      ])
      const copyOf = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'))
      expect(store.hasEnvelopeBytes(copyOf(envelope.header.id))).to.equal(true)
      expect(store.hasEnvelopeBytes(copyOf(near('1')))).to.equal(false)
      expect(store.hasReceiptBytes(copyOf(near('1')))).to.equal(true)
      expect(store.hasReceiptBytes(copyOf(near('2')))).to.equal(true)
      expect(store.hasReceiptBytes(copyOf(near('3')))).to.equal(false)
      expect(store.hasReceiptBytes(new Uint8Array([0xab]))).to.equal(false)
      await store.apply([
        { op: 'delete-envelope', envelope },
        { op: 'delete-receipt', receipt: receipts[0] ?? expect.fail() }
      ])
      expect(store.hasEnvelopeBytes(copyOf(envelope.header.id))).to.equal(false)
      expect(store.hasReceiptBytes(copyOf(near('1')))).to.equal(false)
      expect(store.hasReceiptBytes(copyOf(near('2')))).to.equal(true)
      if (reopen !== undefined) {
        await store.close()
        store = await reopen()
        await store.open()
        expect(store.hasReceiptBytes(copyOf(near('2')))).to.equal(true)
        expect(store.hasReceiptBytes(copyOf(near('1')))).to.equal(false)
      }
    })

    it('walks summaries in send order, eviction order and expiry order', async () => {
      const make = (
        priority: Priority,
        receivedAt: number,
        expiresAt: number,
        origin: 'local' | 'relay' = 'relay'
      ) => ({
        ...storedEnvelope(testEnvelope(tag, { priority, expiresAt }), origin),
        receivedAt
      })
      const lowOld = make('low', 1, 50)
      const lowNew = make('low', 2, 40)
      const normal = make('normal', 3, 30)
      const critical = make('critical', 4, 20)
      const ownCritical = make('critical', 5, 10, 'local')
      await store.apply(
        [lowNew, critical, ownCritical, normal, lowOld].map((envelope) => ({ op: 'put-envelope', envelope }))
      )
      const ids = async (items: Walk<{ header: { id: string } }>) =>
        (await collect(items)).map((item) => item.header.id)
      const pageIds = async (pages: Walk<{ header: { id: string } }[]>) =>
        (await collectPages(pages)).map((item) => item.header.id)
      expect(await pageIds(store.summaries('send'))).to.deep.equal(
        [critical, ownCritical, normal, lowOld, lowNew].map((e) => e.header.id)
      )
      expect(await pageIds(store.summaries('evict'))).to.deep.equal(
        [lowOld, lowNew, normal, critical].map((e) => e.header.id)
      )
      expect(await pageIds(store.summaries('evict-all'))).to.deep.equal(
        [lowOld, lowNew, normal, critical, ownCritical].map((e) => e.header.id)
      )
      expect(await ids(store.expiredEnvelopes(30))).to.deep.equal(
        [ownCritical, critical, normal].map((e) => e.header.id)
      )
      const [summary] = await collectPages(store.summaries('evict'))
      expect(summary).to.deep.include({
        hopsLeft: lowOld.hopsLeft,
        origin: 'relay',
        receivedAt: 1,
        fromPeer: 'peer-a'
      })
      expect(summary?.header).to.deep.equal(lowOld.header)
    })

    it('walks more summaries than a page holds, and resumes a walk after a given summary', async () => {
      const envelopes = Array.from({ length: SUMMARY_PAGE * 2 + 5 }, (_, i) => ({
        ...storedEnvelope(testEnvelope(tag)),
        receivedAt: i
      }))
      await store.apply(envelopes.map((envelope) => ({ op: 'put-envelope', envelope })))
      const pages = await collect(store.summaries('send'))
      expect(pages.length).to.be.greaterThan(1)
      const walked = pages.flat().map((summary) => summary.header.id)
      expect(walked).to.deep.equal(envelopes.map((envelope) => envelope.header.id))
      const resumed = await collectPages(store.summaries('send', envelopes[SUMMARY_PAGE + 1]))
      expect(resumed.map((summary) => summary.header.id)).to.deep.equal(walked.slice(SUMMARY_PAGE + 2))
    })

    it('walks only the ids within given buckets, in the same order as a whole walk, few buckets or many', async () => {
      const priorities: Priority[] = ['critical', 'normal', 'low']
      const envelopes = Array.from({ length: 120 }, (_, i) => ({
        ...storedEnvelope(
          testEnvelope(tag, { priority: priorities[i % 3] }),
          i % 4 === 0 ? 'local' : 'relay'
        ),
        receivedAt: i % 7
      }))
      await store.apply(envelopes.map((envelope) => ({ op: 'put-envelope', envelope })))
      const bits = 5
      const idsOf = (summaries: { header: { id: string } }[]) => summaries.map((summary) => summary.header.id)
      for (const buckets of [
        new Set([bucketOf(envelopes[1]?.header.idBytes ?? expect.fail(), bits)]),
        new Set(range(20))
      ]) {
        const within = { bits, buckets }
        for (const order of ['send', 'evict', 'evict-all'] as const) {
          const whole = await collectPages(store.summaries(order))
          const expected = whole.filter((summary) => buckets.has(bucketOf(summary.header.idBytes, bits)))
          expect(expected.length).to.be.greaterThan(0)
          const walked = await collectPages(store.summaries(order, undefined, within))
          expect(idsOf(walked), `${order} within ${buckets.size} buckets`).to.deep.equal(idsOf(expected))
          const resumed = await collectPages(store.summaries(order, expected[0], within))
          expect(idsOf(resumed)).to.deep.equal(idsOf(expected.slice(1)))
        }
      }
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
      const rest = await collect(store.inbox({ id: 'a', receivedAt: 10 }))
      expect(rest.map((entry) => entry.id)).to.deep.equal(['b'])
    })

    it('keeps the last FAILED_KEPT failed messages, oldest first, across a reopen', async () => {
      const failed = (i: number): FailedMessage => ({
        id: i.toString(16).padStart(64, '0'),
        recipient: `qpq1recipient${i}`,
        priority: i % 2 === 0 ? 'normal' : 'critical',
        reason: 'too large',
        detail: `refused 5 times by peer-${i}: too large`,
        queuedAt: i,
        failedAt: 1000 + i
      })
      const put = (i: number): StoreOp => ({ op: 'put-failed', failed: failed(i) })
      await store.apply(range(FAILED_KEPT + 2).map((i) => put(i + 1)))
      await store.apply([put(FAILED_KEPT + 3), put(0)])
      const expected = range(FAILED_KEPT).map((i) => failed(i + 4))
      expect(store.counts().failed).to.equal(FAILED_KEPT)
      expect(await collect(store.failed())).to.deep.equal(expected)
      if (reopen !== undefined) {
        await store.close()
        store = await reopen()
        await store.open()
        expect(store.counts().failed).to.equal(FAILED_KEPT)
        expect(await collect(store.failed())).to.deep.equal(expected)
      }
    })

    it('commits concurrent writes, each visible once it resolves', async () => {
      const envelopes = Array.from({ length: 50 }, () => storedEnvelope(testEnvelope(tag)))
      await Promise.all(envelopes.map(async (envelope) => store.apply([{ op: 'put-envelope', envelope }])))
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
