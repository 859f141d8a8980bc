import { andThen as then, forEach, StoreAccounting } from '../queue/index.ts'
import type {
  EnvelopeSummary,
  IdDigest,
  Later,
  MeshStore,
  StoredEnvelope,
  StoredReceipt,
  StoreOp
} from '../queue/index.ts'
import { fromHex, toHex } from '../wire/index.ts'
import type { RecentEnvelopes } from './recent.ts'

/**
 * The store as seen within one engine cycle: reads see the writes queued
 * earlier in the cycle, which are committed together at its end. Most cycles
 * write little or nothing, so the maps are made on the first write.
 */
export class Cycle {
  readonly ops: StoreOp[] = []
  private envelopeWrites: Map<string, StoredEnvelope | null> | undefined
  private receiptWrites: Map<string, StoredReceipt | null> | undefined
  private receiptReads: Map<string, StoredReceipt | undefined> | undefined
  /** What this cycle's writes add to (or take from) the store's relay and outbox bytes. */
  private relayDelta = 0
  private outboxDelta = 0
  private receiptDelta = 0
  /** The same per peer and tag: made from the ops when first asked for (quotas), then kept up to date. */
  private keyedDelta: StoreAccounting | undefined

  constructor(
    private readonly store: MeshStore,
    private readonly recent: RecentEnvelopes | undefined
  ) {}

  hasEnvelope(id: string): boolean {
    const written = this.envelopeWrites?.get(id)
    return written === undefined ? this.store.hasEnvelope(id) : written !== null
  }

  hasReceipt(id: string): boolean {
    const written = this.receiptWrites?.get(id)
    return written === undefined ? this.store.hasReceipt(id) : written !== null
  }

  /** As `hasEnvelope`, for an id's bytes: converted to hex only when this cycle wrote envelopes. */
  hasEnvelopeBytes(id: Uint8Array): boolean {
    return this.envelopeWrites === undefined ? this.store.hasEnvelopeBytes(id) : this.hasEnvelope(toHex(id))
  }

  /** As `hasReceipt`, for an id's bytes: converted to hex only when this cycle wrote receipts. */
  hasReceiptBytes(id: Uint8Array): boolean {
    return this.receiptWrites === undefined ? this.store.hasReceiptBytes(id) : this.hasReceipt(toHex(id))
  }

  /** The store's digest of envelope ids with this cycle's writes in it. */
  envelopeDigest(): IdDigest {
    const stored = this.store.envelopeDigest()
    if (this.envelopeWrites === undefined) return stored
    const digest = stored.clone()
    for (const [id, written] of this.envelopeWrites) {
      const held = this.store.hasEnvelope(id)
      if (held && written === null) digest.remove(fromHex(id))
      else if (!held && written !== null) digest.add(written.header.idBytes)
    }
    return digest
  }

  /** The stored envelopes, undefined where absent or deleted in this cycle: one batched read. */
  envelopes(ids: string[]): Later<(StoredEnvelope | undefined)[]> {
    const unread = ids.filter(
      (id) => this.envelopeWrites?.has(id) !== true && this.recent?.get(id) === undefined
    )
    return then(this.store.getEnvelopes(unread), (read) => {
      let nextRead = 0
      return ids.map((id) => {
        const written = this.envelopeWrites?.get(id)
        if (written !== undefined) return written ?? undefined
        return this.recent?.get(id) ?? read[nextRead++]
      })
    })
  }

  /** Reads receipts of these ids in one batched lookup, for the single lookups that follow. */
  prefetchReceipts(ids: string[]): Later<void> {
    const wanted = ids.filter(
      (id) =>
        this.hasReceipt(id) && this.receiptWrites?.has(id) !== true && this.receiptReads?.has(id) !== true
    )
    if (wanted.length === 0) return
    return then(this.store.getReceipts(wanted), (stored) => {
      const reads = (this.receiptReads ??= new Map())
      wanted.forEach((id, i) => reads.set(id, stored[i]))
    })
  }

  /** The receipts of these ids that are held: one batched read. */
  receipts(ids: string[]): Later<StoredReceipt[]> {
    const receipts: StoredReceipt[] = []
    const read = then(this.prefetchReceipts(ids), () =>
      forEach(ids, (id) =>
        then(this.receipt(id), (receipt) => {
          if (receipt !== undefined) receipts.push(receipt)
        })
      )
    )
    return then(read, () => receipts)
  }

  receipt(id: string): Later<StoredReceipt | undefined> {
    const written = this.receiptWrites?.get(id)
    if (written !== undefined) return written ?? undefined
    if (!this.store.hasReceipt(id)) return undefined
    if (this.receiptReads?.has(id) === true) return this.receiptReads.get(id)
    return then(this.store.getReceipts([id]), ([stored]) => stored)
  }

  /** Whether an envelope listed by a store iterator is still there in this cycle. */
  stillHeld(id: string): boolean {
    return this.envelopeWrites?.get(id) !== null
  }

  relayBytes(): number {
    return this.store.counts().relayBytes + this.relayDelta
  }

  outboxBytes(): number {
    return this.store.counts().outboxBytes + this.outboxDelta
  }

  receiptCount(): number {
    return this.store.counts().receipts + this.receiptDelta
  }

  relayBytesFrom(peer: string): number {
    return this.store.relayBytesFrom(peer) + this.keyed().bytesFrom(peer)
  }

  relayBytesFor(tag: string): number {
    return this.store.relayBytesFor(tag) + this.keyed().bytesFor(tag)
  }

  putEnvelope(envelope: StoredEnvelope): void {
    this.writeEnvelope(envelope, envelope, 1)
    this.ops.push({ op: 'put-envelope', envelope })
  }

  deleteEnvelope(envelope: EnvelopeSummary): void {
    this.writeEnvelope(envelope, null, -1)
    this.ops.push({ op: 'delete-envelope', envelope })
  }

  putReceipt(receipt: StoredReceipt): void {
    this.receiptWrites ??= new Map()
    this.receiptWrites.set(receipt.id, receipt)
    this.receiptDelta++
    this.ops.push({ op: 'put-receipt', receipt })
  }

  deleteReceipt(receipt: StoredReceipt): void {
    this.receiptWrites ??= new Map()
    this.receiptWrites.set(receipt.id, null)
    this.receiptDelta--
    this.ops.push({ op: 'delete-receipt', receipt })
  }

  private keyed(): StoreAccounting {
    if (this.keyedDelta !== undefined) return this.keyedDelta
    const delta = new StoreAccounting()
    for (const op of this.ops) {
      if (op.op === 'put-envelope') delta.envelope(op.envelope, 1)
      else if (op.op === 'delete-envelope') delta.envelope(op.envelope, -1)
    }
    this.keyedDelta = delta
    return delta
  }

  private writeEnvelope(envelope: EnvelopeSummary, written: StoredEnvelope | null, sign: 1 | -1): void {
    if (envelope.origin === 'local') this.outboxDelta += sign * envelope.header.size
    else this.relayDelta += sign * envelope.header.size
    this.keyedDelta?.envelope(envelope, sign)
    this.envelopeWrites ??= new Map()
    this.envelopeWrites.set(envelope.header.id, written)
  }
}
