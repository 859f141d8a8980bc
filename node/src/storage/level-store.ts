import { ClassicLevel } from 'classic-level'
import { logger } from '@libp2p/logger'
import type { Priority } from '../wire/index.ts'
import { fromHex, readHeader, toHex } from '../wire/index.ts'
import {
  failedKey,
  FailedKeys,
  HeldInMemory,
  IdSet,
  inWalk,
  pad,
  PRIORITY_RANK,
  SUMMARY_PAGE
} from '../queue/index.ts'
import type {
  EnvelopeSummary,
  FailedMessage,
  IdBuckets,
  InboxCursor,
  InboxEntry,
  MeshStore,
  StoredEnvelope,
  StoredReceipt,
  StoreOp,
  SummaryOrder
} from '../queue/index.ts'
import { EnvelopeRecord, FailedRecord, InboxRecord, ReceiptRecord, SummaryRecord } from './records.pb.ts'

const log = logger('qpq:queue:level')

type Bytes = Uint8Array
type Sublevel = ReturnType<typeof openSublevel>

const PRIORITY_OF_RANK: readonly Priority[] = ['critical', 'normal', 'low']

/** Content bytes deleted since the last compaction that make the store compact again: LevelDB keeps them otherwise. */
const COMPACT_AFTER_DELETED_BYTES = 64 * 1024 * 1024

function openSublevel(db: ClassicLevel<string, Bytes>, name: string) {
  return db.sublevel<string, Bytes>(name, { keyEncoding: 'utf8', valueEncoding: 'view' })
}

function orderKey(summary: EnvelopeSummary): string {
  return `${PRIORITY_RANK[summary.header.priority]}!${pad(summary.receivedAt)}!${summary.header.id}`
}

function inboxKey(entry: InboxCursor): string {
  return `${pad(entry.receivedAt)}:${entry.id}`
}

function expiryKey(expiresAt: number, id: string): string {
  return `${pad(expiresAt)}!${id}`
}

interface PendingWrite {
  ops: StoreOp[]
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * The mesh store on LevelDB. Writes are group-committed: every `apply` that
 * arrives while a batch is being synced joins the next batch, so many small
 * writes cost one fsync. Beside the envelopes it keeps a send-order index and
 * expiry indexes, whose entries hold each envelope's summary (or the receipt), so the engine
 * walks envelopes in priority or expiry order without reading any content.
 * In memory it keeps only the ids present (so looking up a new envelope costs
 * no read) and byte totals per peer and per tag.
 */
export class LevelStore extends HeldInMemory implements MeshStore {
  readonly contentInMemory = false
  private readonly db: ClassicLevel<string, Bytes>
  private readonly envelopeLevel: Sublevel
  private readonly orderLevel: Sublevel
  private readonly expiryLevel: Sublevel
  private readonly receiptLevel: Sublevel
  private readonly receiptExpiryLevel: Sublevel
  private readonly inboxLevel: Sublevel
  private readonly failedLevel: Sublevel
  private readonly failedKeys = new FailedKeys()
  private pending: PendingWrite[] = []
  private writing = false
  private deletedBytes = 0
  private compacting: Promise<void> | undefined

  constructor(path: string) {
    super()
    this.db = new ClassicLevel<string, Bytes>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.envelopeLevel = openSublevel(this.db, 'envelope')
    this.orderLevel = openSublevel(this.db, 'order')
    this.expiryLevel = openSublevel(this.db, 'expiry')
    this.receiptLevel = openSublevel(this.db, 'receipt')
    this.receiptExpiryLevel = openSublevel(this.db, 'receipt-expiry')
    this.inboxLevel = openSublevel(this.db, 'inbox')
    this.failedLevel = openSublevel(this.db, 'failed')
  }

  async open(): Promise<void> {
    await this.db.open()
    for await (const page of this.summaries('send')) {
      for (const summary of page) this.followEnvelope(summary, 1)
    }
    for await (const id of this.receiptLevel.keys()) this.receiptIds.add(id)
    this.accounting.counts.receipts = this.receiptIds.size
    for await (const _ of this.inboxLevel.keys()) this.accounting.counts.inbox++
    const failed: string[] = []
    for await (const key of this.failedLevel.keys()) failed.push(key)
    this.keepFailed(failed)
    log('opened with %o', this.accounting.counts)
  }

  async close(): Promise<void> {
    await this.compacting
    await this.db.close()
  }

  apply(ops: StoreOp[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ops, resolve, reject })
      if (!this.writing) void this.writePending()
    })
  }

  async getEnvelopes(ids: string[]): Promise<(StoredEnvelope | undefined)[]> {
    const values = await readPresent(this.envelopeLevel, this.envelopeIds, ids)
    return values.map((value, i) =>
      value === undefined ? undefined : decodeEnvelopeRecord(ids[i] ?? '', value)
    )
  }

  async getReceipts(ids: string[]): Promise<(StoredReceipt | undefined)[]> {
    const values = await readPresent(this.receiptLevel, this.receiptIds, ids)
    return values.map((value, i) => (value === undefined ? undefined : decodeReceipt(ids[i] ?? '', value)))
  }

  async *summaries(
    order: SummaryOrder,
    after?: EnvelopeSummary,
    within?: IdBuckets
  ): AsyncIterable<EnvelopeSummary[]> {
    const ranks = order === 'send' ? [0, 1, 2] : [2, 1, 0]
    const afterRank = after === undefined ? undefined : PRIORITY_RANK[after.header.priority]
    for (const rank of ranks.slice(afterRank === undefined ? 0 : ranks.indexOf(afterRank))) {
      const from = after !== undefined && rank === afterRank ? orderKey(after) : `${rank}!`
      const iterator = this.orderLevel.iterator({ gt: from, lt: `${rank}"` })
      try {
        for (
          let entries = await iterator.nextv(SUMMARY_PAGE);
          entries.length > 0;
          entries = await iterator.nextv(SUMMARY_PAGE)
        ) {
          const page = entries.map(([key, value]) =>
            decodeSummary(key.slice(key.lastIndexOf('!') + 1), value)
          )
          yield page.filter((summary) => inWalk(order, summary, within))
        }
      } finally {
        await iterator.close()
      }
    }
  }

  async *expiredEnvelopes(time: number): AsyncIterable<EnvelopeSummary> {
    for await (const [key, value] of this.expiryLevel.iterator({ lte: `${pad(time)}!~` })) {
      yield decodeSummary(key.slice(key.indexOf('!') + 1), value)
    }
  }

  async *expiredReceipts(time: number): AsyncIterable<StoredReceipt> {
    for await (const [key, value] of this.receiptExpiryLevel.iterator({ lte: `${pad(time)}!~` })) {
      yield decodeReceipt(key.slice(key.indexOf('!') + 1), value)
    }
  }

  async *inbox(after?: InboxCursor): AsyncIterable<InboxEntry> {
    const range = after === undefined ? {} : { gt: inboxKey(after) }
    for await (const [key, value] of this.inboxLevel.iterator(range)) {
      const record = InboxRecord.decode(value)
      yield {
        id: key.slice(key.indexOf(':') + 1),
        receivedAt: Number(record.receivedAt),
        record: record.record
      }
    }
  }

  async *failed(): AsyncIterable<FailedMessage> {
    for await (const [key, value] of this.failedLevel.iterator()) yield decodeFailed(key, value)
  }

  private async writePending(): Promise<void> {
    this.writing = true
    while (this.pending.length > 0) {
      const writes = this.pending
      this.pending = []
      try {
        await this.write(writes.flatMap((write) => write.ops))
        for (const write of writes) write.resolve()
      } catch (err) {
        for (const write of writes) write.reject(err as Error)
      }
    }
    this.writing = false
  }

  private async write(ops: StoreOp[]): Promise<void> {
    const batch = this.db.batch()
    const failed: string[] = []
    for (const op of ops) {
      switch (op.op) {
        case 'put-envelope': {
          const { envelope } = op
          const summary = encodeSummary(envelope)
          batch.put(envelope.header.id, encodeEnvelopeRecord(envelope), { sublevel: this.envelopeLevel })
          batch.put(orderKey(envelope), summary, { sublevel: this.orderLevel })
          batch.put(expiryKey(envelope.header.expiresAt, envelope.header.id), summary, {
            sublevel: this.expiryLevel
          })
          break
        }
        case 'delete-envelope': {
          const { envelope } = op
          batch.del(envelope.header.id, { sublevel: this.envelopeLevel })
          batch.del(orderKey(envelope), { sublevel: this.orderLevel })
          batch.del(expiryKey(envelope.header.expiresAt, envelope.header.id), { sublevel: this.expiryLevel })
          break
        }
        case 'put-receipt': {
          const record = ReceiptRecord.encode({
            secret: op.receipt.secret,
            expiresAt: BigInt(op.receipt.expiresAt)
          })
          batch.put(op.receipt.id, record, { sublevel: this.receiptLevel })
          batch.put(expiryKey(op.receipt.expiresAt, op.receipt.id), record, {
            sublevel: this.receiptExpiryLevel
          })
          break
        }
        case 'delete-receipt':
          batch.del(op.receipt.id, { sublevel: this.receiptLevel })
          batch.del(expiryKey(op.receipt.expiresAt, op.receipt.id), { sublevel: this.receiptExpiryLevel })
          break
        case 'put-inbox':
          batch.put(
            inboxKey(op.entry),
            InboxRecord.encode({ receivedAt: BigInt(op.entry.receivedAt), record: op.entry.record }),
            { sublevel: this.inboxLevel }
          )
          break
        case 'put-failed': {
          const key = failedKey(op.failed)
          failed.push(key)
          batch.put(key, encodeFailed(op.failed), { sublevel: this.failedLevel })
          break
        }
      }
    }
    // Deleted after their puts in the same batch: a newcomer older than every kept one goes at once.
    const { kept, evicted } = this.failedKeys.withAdded(failed)
    for (const key of evicted) batch.del(key, { sublevel: this.failedLevel })
    await batch.write({ sync: true })
    for (const op of ops) this.account(op)
    this.keepFailed(kept)
  }

  private keepFailed(kept: readonly string[]): void {
    this.failedKeys.keep(kept)
    this.accounting.counts.failed = kept.length
  }

  /** Gives the space of deleted envelopes back to the disk, in LevelDB's own thread. */
  private compact(): void {
    if (this.compacting !== undefined) return
    this.deletedBytes = 0
    log('compacting')
    this.compacting = this.db
      .compactRange('\u0000', '\uffff')
      .catch((err: unknown) => {
        log.error('compaction failed: %e', err)
      })
      .finally(() => {
        this.compacting = undefined
      })
  }

  private account(op: StoreOp): void {
    this.follow(op)
    if (op.op !== 'delete-envelope') return
    this.deletedBytes += op.envelope.header.size
    if (this.deletedBytes >= COMPACT_AFTER_DELETED_BYTES) this.compact()
  }
}

/** Reads only the ids known to be stored; the others are undefined without touching LevelDB. */
async function readPresent(level: Sublevel, present: IdSet, ids: string[]): Promise<(Bytes | undefined)[]> {
  const stored = ids.filter((id) => present.has(id))
  if (stored.length === 0) return ids.map(() => undefined)
  const values = await level.getMany(stored)
  const byId = new Map(stored.map((id, i) => [id, values[i]]))
  return ids.map((id) => byId.get(id))
}

function encodeEnvelopeRecord(envelope: StoredEnvelope): Uint8Array {
  return EnvelopeRecord.encode({
    content: envelope.content,
    hopsLeft: envelope.hopsLeft,
    local: envelope.origin === 'local',
    receivedAt: BigInt(envelope.receivedAt),
    fromPeer: envelope.fromPeer,
    recipient: envelope.recipient,
    copies: envelope.copies
  })
}

function decodeEnvelopeRecord(id: string, value: Uint8Array): StoredEnvelope {
  const record = EnvelopeRecord.decode(value)
  return {
    header: readHeader(record.content, undefined, id),
    content: record.content,
    hopsLeft: record.hopsLeft,
    origin: record.local ? 'local' : 'relay',
    receivedAt: Number(record.receivedAt),
    fromPeer: record.fromPeer,
    recipient: record.recipient,
    ...(record.copies === undefined ? {} : { copies: record.copies })
  }
}

function encodeSummary(summary: EnvelopeSummary): Uint8Array {
  const { header } = summary
  return SummaryRecord.encode({
    tag: fromHex(header.tag),
    expiresAt: BigInt(header.expiresAt),
    priorityRank: PRIORITY_RANK[header.priority],
    receiptHash: fromHex(header.receiptHash),
    size: header.size,
    hopsLeft: summary.hopsLeft,
    local: summary.origin === 'local',
    receivedAt: BigInt(summary.receivedAt),
    fromPeer: summary.fromPeer,
    recipient: summary.recipient,
    copies: summary.copies
  })
}

function decodeSummary(id: string, value: Uint8Array): EnvelopeSummary {
  const record = SummaryRecord.decode(value)
  return {
    header: {
      id,
      idBytes: fromHex(id),
      tag: toHex(record.tag),
      expiresAt: Number(record.expiresAt),
      priority: PRIORITY_OF_RANK[record.priorityRank] ?? 'normal',
      receiptHash: toHex(record.receiptHash),
      size: record.size
    },
    hopsLeft: record.hopsLeft,
    origin: record.local ? 'local' : 'relay',
    receivedAt: Number(record.receivedAt),
    fromPeer: record.fromPeer,
    recipient: record.recipient,
    ...(record.copies === undefined ? {} : { copies: record.copies })
  }
}

function encodeFailed(failed: FailedMessage): Uint8Array {
  return FailedRecord.encode({
    recipient: failed.recipient,
    priorityRank: PRIORITY_RANK[failed.priority],
    reason: failed.reason,
    detail: failed.detail,
    queuedAt: BigInt(failed.queuedAt)
  })
}

/** A failed message from its record and its key (`failedKey`: when it failed, then its id). */
function decodeFailed(key: string, value: Uint8Array): FailedMessage {
  const record = FailedRecord.decode(value)
  const split = key.indexOf('!')
  return {
    id: key.slice(split + 1),
    recipient: record.recipient,
    priority: PRIORITY_OF_RANK[record.priorityRank] ?? 'normal',
    reason: record.reason,
    detail: record.detail,
    queuedAt: Number(record.queuedAt),
    failedAt: Number(key.slice(0, split))
  }
}

function decodeReceipt(id: string, value: Uint8Array): StoredReceipt {
  const record = ReceiptRecord.decode(value)
  return { id, secret: record.secret, expiresAt: Number(record.expiresAt) }
}
