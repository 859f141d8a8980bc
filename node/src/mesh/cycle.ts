import { StoreAccounting } from '../queue/index.ts'
import type { EnvelopeSummary, MeshStore, StoredEnvelope, StoredReceipt, StoreOp } from '../queue/index.ts'
import type { RecentEnvelopes } from './recent.ts'

/**
 * The store as seen within one engine cycle: reads see the writes queued
 * earlier in the cycle, which are committed together at its end.
 */
export class Cycle {
  readonly ops: StoreOp[] = []
  private readonly envelopeWrites = new Map<string, StoredEnvelope | null>()
  private readonly receiptWrites = new Map<string, StoredReceipt | null>()
  private readonly receiptReads = new Map<string, StoredReceipt | undefined>()
  /** What this cycle's writes add to (or take from) the store's totals. */
  private readonly delta = new StoreAccounting()

  constructor(
    private readonly store: MeshStore,
    private readonly recent: RecentEnvelopes
  ) {}

  hasEnvelope(id: string): boolean {
    const written = this.envelopeWrites.get(id)
    return written === undefined ? this.store.hasEnvelope(id) : written !== null
  }

  hasReceipt(id: string): boolean {
    const written = this.receiptWrites.get(id)
    return written === undefined ? this.store.hasReceipt(id) : written !== null
  }

  /** The stored envelopes, undefined where absent or deleted in this cycle: one batched read. */
  async envelopes(ids: string[]): Promise<(StoredEnvelope | undefined)[]> {
    const unread = ids.filter((id) => !this.envelopeWrites.has(id) && this.recent.get(id) === undefined)
    const stored = new Map(
      (await this.store.getEnvelopes(unread)).map((envelope, i) => [unread[i], envelope])
    )
    return ids.map((id) => {
      const written = this.envelopeWrites.get(id)
      if (written !== undefined) return written ?? undefined
      return this.recent.get(id) ?? stored.get(id)
    })
  }

  /** Reads receipts of these ids in one batched lookup, for the single lookups that follow. */
  async prefetchReceipts(ids: string[]): Promise<void> {
    const wanted = ids.filter(
      (id) => this.hasReceipt(id) && !this.receiptWrites.has(id) && !this.receiptReads.has(id)
    )
    if (wanted.length === 0) return
    const stored = await this.store.getReceipts(wanted)
    wanted.forEach((id, i) => this.receiptReads.set(id, stored[i]))
  }

  /** The receipts of these ids that are held: one batched read. */
  async receipts(ids: string[]): Promise<StoredReceipt[]> {
    await this.prefetchReceipts(ids)
    const receipts: StoredReceipt[] = []
    for (const id of ids) {
      const receipt = await this.receipt(id)
      if (receipt !== undefined) receipts.push(receipt)
    }
    return receipts
  }

  async receipt(id: string): Promise<StoredReceipt | undefined> {
    const written = this.receiptWrites.get(id)
    if (written !== undefined) return written ?? undefined
    if (!this.store.hasReceipt(id)) return undefined
    if (this.receiptReads.has(id)) return this.receiptReads.get(id)
    const [stored] = await this.store.getReceipts([id])
    return stored
  }

  /** Whether an envelope listed by a store iterator is still there in this cycle. */
  stillHeld(id: string): boolean {
    return this.envelopeWrites.get(id) !== null
  }

  relayBytes(): number {
    return this.store.counts().relayBytes + this.delta.counts.relayBytes
  }

  outboxBytes(): number {
    return this.store.counts().outboxBytes + this.delta.counts.outboxBytes
  }

  relayBytesFrom(peer: string): number {
    return this.store.relayBytesFrom(peer) + this.delta.bytesFrom(peer)
  }

  relayBytesFor(tag: string): number {
    return this.store.relayBytesFor(tag) + this.delta.bytesFor(tag)
  }

  putEnvelope(envelope: StoredEnvelope): void {
    this.delta.envelope(envelope, 1)
    this.envelopeWrites.set(envelope.header.id, envelope)
    this.ops.push({ op: 'put-envelope', envelope })
  }

  deleteEnvelope(envelope: EnvelopeSummary): void {
    this.delta.envelope(envelope, -1)
    this.envelopeWrites.set(envelope.header.id, null)
    this.ops.push({ op: 'delete-envelope', envelope })
  }

  putReceipt(receipt: StoredReceipt): void {
    this.receiptWrites.set(receipt.id, receipt)
    this.ops.push({ op: 'put-receipt', receipt })
  }

  deleteReceipt(receipt: StoredReceipt): void {
    this.receiptWrites.set(receipt.id, null)
    this.ops.push({ op: 'delete-receipt', receipt })
  }
}
