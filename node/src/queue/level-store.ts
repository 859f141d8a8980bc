import { Level } from 'level'
import { logger } from '@libp2p/logger'
import { readHeader } from '../wire/index.ts'
import { countEnvelope, emptyCounts } from './counts.ts'
import { EnvelopeRecord, InboxRecord, ReceiptRecord } from './records.pb.ts'
import type { InboxEntry, MeshStore, StoreCounts, StoredEnvelope, StoredReceipt, StoreOp } from './types.ts'

const log = logger('qpq:queue:level')

type Bytes = Uint8Array
type Sublevel = ReturnType<typeof openSublevel>

function openSublevel(db: Level<string, Bytes>, name: string) {
  return db.sublevel<string, Bytes>(name, { keyEncoding: 'utf8', valueEncoding: 'view' })
}

interface PendingWrite {
  ops: StoreOp[]
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * The mesh store on LevelDB. Writes are group-committed: every `apply` that
 * arrives while a batch is being synced joins the next batch, so many small
 * writes cost one fsync. The ids of stored envelopes and receipts are kept in
 * memory, so looking up an id that is not there (every new envelope) costs no
 * LevelDB read.
 */
export class LevelStore implements MeshStore {
  private readonly db: Level<string, Bytes>
  private readonly envelopeLevel: Sublevel
  private readonly receiptLevel: Sublevel
  private readonly inboxLevel: Sublevel
  private readonly current = emptyCounts()
  private readonly envelopeIds = new Set<string>()
  private readonly receiptIds = new Set<string>()
  private pending: PendingWrite[] = []
  private writing = false

  constructor(path: string) {
    this.db = new Level<string, Bytes>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.envelopeLevel = openSublevel(this.db, 'envelope')
    this.receiptLevel = openSublevel(this.db, 'receipt')
    this.inboxLevel = openSublevel(this.db, 'inbox')
  }

  async open(): Promise<void> {
    await this.db.open()
    for await (const envelope of this.envelopes()) {
      countEnvelope(this.current, envelope, 1)
      this.envelopeIds.add(envelope.header.id)
    }
    for await (const id of this.receiptLevel.keys()) this.receiptIds.add(id)
    this.current.receipts = this.receiptIds.size
    for await (const _ of this.inboxLevel.keys()) this.current.inbox++
    log('opened with %o', this.current)
  }

  async close(): Promise<void> {
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
    return values.map((value) => (value === undefined ? undefined : decodeEnvelopeRecord(value)))
  }

  async getReceipts(ids: string[]): Promise<(StoredReceipt | undefined)[]> {
    const values = await readPresent(this.receiptLevel, this.receiptIds, ids)
    return values.map((value, i) => (value === undefined ? undefined : decodeReceipt(ids[i] ?? '', value)))
  }

  async *envelopes(): AsyncIterable<StoredEnvelope> {
    for await (const value of this.envelopeLevel.values()) yield decodeEnvelopeRecord(value)
  }

  async *receipts(): AsyncIterable<StoredReceipt> {
    for await (const [id, value] of this.receiptLevel.iterator()) yield decodeReceipt(id, value)
  }

  async *inbox(): AsyncIterable<InboxEntry> {
    for await (const [key, value] of this.inboxLevel.iterator()) {
      const record = InboxRecord.decode(value)
      yield {
        id: key.slice(key.indexOf(':') + 1),
        receivedAt: Number(record.receivedAt),
        record: record.record
      }
    }
  }

  counts(): StoreCounts {
    return { ...this.current }
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
    const counts = { ...this.current }
    const batch = this.db.batch()
    for (const op of ops) {
      switch (op.op) {
        case 'put-envelope':
          countEnvelope(counts, op.envelope, 1)
          batch.put(op.envelope.header.id, encodeEnvelopeRecord(op.envelope), {
            sublevel: this.envelopeLevel
          })
          break
        case 'delete-envelope':
          countEnvelope(counts, op.envelope, -1)
          batch.del(op.envelope.header.id, { sublevel: this.envelopeLevel })
          break
        case 'put-receipt':
          counts.receipts++
          batch.put(
            op.receipt.id,
            ReceiptRecord.encode({ secret: op.receipt.secret, expiresAt: BigInt(op.receipt.expiresAt) }),
            { sublevel: this.receiptLevel }
          )
          break
        case 'delete-receipt':
          counts.receipts--
          batch.del(op.id, { sublevel: this.receiptLevel })
          break
        case 'put-inbox':
          counts.inbox++
          batch.put(
            `${op.entry.receivedAt.toString().padStart(15, '0')}:${op.entry.id}`,
            InboxRecord.encode({ receivedAt: BigInt(op.entry.receivedAt), record: op.entry.record }),
            { sublevel: this.inboxLevel }
          )
          break
      }
    }
    await batch.write({ sync: true })
    Object.assign(this.current, counts)
    for (const op of ops) {
      if (op.op === 'put-envelope') this.envelopeIds.add(op.envelope.header.id)
      else if (op.op === 'delete-envelope') this.envelopeIds.delete(op.envelope.header.id)
      else if (op.op === 'put-receipt') this.receiptIds.add(op.receipt.id)
      else if (op.op === 'delete-receipt') this.receiptIds.delete(op.id)
    }
  }
}

/** Reads only the ids known to be stored; the others are undefined without touching LevelDB. */
async function readPresent(
  level: Sublevel,
  present: Set<string>,
  ids: string[]
): Promise<(Bytes | undefined)[]> {
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
    receivedAt: BigInt(envelope.receivedAt)
  })
}

function decodeEnvelopeRecord(value: Uint8Array): StoredEnvelope {
  const record = EnvelopeRecord.decode(value)
  return {
    header: readHeader(record.content),
    content: record.content,
    hopsLeft: record.hopsLeft,
    origin: record.local ? 'local' : 'relay',
    receivedAt: Number(record.receivedAt)
  }
}

function decodeReceipt(id: string, value: Uint8Array): StoredReceipt {
  const record = ReceiptRecord.decode(value)
  return { id, secret: record.secret, expiresAt: Number(record.expiresAt) }
}
