import { StoreAccounting } from './accounting.ts'
import { compareSummaries, SUMMARY_PAGE } from './order.ts'
import { SortedList } from './sorted-list.ts'
import type {
  EnvelopeSummary,
  InboxCursor,
  InboxEntry,
  MeshStore,
  StoreCounts,
  StoredEnvelope,
  StoredReceipt,
  StoreOp,
  SummaryOrder
} from './types.ts'

/** The mesh store in memory: for the simulator and tests. Same semantics as the LevelDB store. */
export class MemoryStore implements MeshStore {
  private readonly envelopeMap = new Map<string, StoredEnvelope>()
  private readonly receiptMap = new Map<string, StoredReceipt>()
  private readonly inboxEntries: InboxEntry[] = []
  private readonly accounting = new StoreAccounting()
  private readonly sendOrder = new SortedList<EnvelopeSummary>((a, b) => compareSummaries('send', a, b))
  /** Outbox and relay envelopes together: `evict` walks skip the outbox ones. */
  private readonly evictOrder = new SortedList<EnvelopeSummary>((a, b) => compareSummaries('evict', a, b))
  private readonly expiryOrder = new SortedList<EnvelopeSummary>(
    (a, b) => a.header.expiresAt - b.header.expiresAt || a.header.id.localeCompare(b.header.id)
  )

  async open(): Promise<void> {
    // Nothing to open: the maps live as long as the object.
  }

  async close(): Promise<void> {
    // Nothing to close.
  }

  async apply(ops: StoreOp[]): Promise<void> {
    for (const op of ops) {
      switch (op.op) {
        case 'put-envelope':
          this.envelopeMap.set(op.envelope.header.id, op.envelope)
          this.index(op.envelope, 1)
          break
        case 'delete-envelope': {
          const stored = this.envelopeMap.get(op.envelope.header.id)
          this.envelopeMap.delete(op.envelope.header.id)
          if (stored !== undefined) this.index(stored, -1)
          break
        }
        case 'put-receipt':
          this.receiptMap.set(op.receipt.id, op.receipt)
          this.accounting.counts.receipts++
          break
        case 'delete-receipt':
          this.receiptMap.delete(op.receipt.id)
          this.accounting.counts.receipts--
          break
        case 'put-inbox':
          this.inboxEntries.push(op.entry)
          this.accounting.counts.inbox++
          break
      }
    }
  }

  private index(envelope: EnvelopeSummary, sign: 1 | -1): void {
    this.accounting.envelope(envelope, sign)
    for (const list of [this.sendOrder, this.evictOrder, this.expiryOrder]) {
      if (sign === 1) list.insert(envelope)
      else list.remove(envelope)
    }
  }

  hasEnvelope(id: string): boolean {
    return this.envelopeMap.has(id)
  }

  hasReceipt(id: string): boolean {
    return this.receiptMap.has(id)
  }

  async getEnvelopes(ids: string[]): Promise<(StoredEnvelope | undefined)[]> {
    return ids.map((id) => this.envelopeMap.get(id))
  }

  async getReceipts(ids: string[]): Promise<(StoredReceipt | undefined)[]> {
    return ids.map((id) => this.receiptMap.get(id))
  }

  async *summaries(order: SummaryOrder, after?: EnvelopeSummary): AsyncIterable<EnvelopeSummary[]> {
    const list = order === 'send' ? this.sendOrder : this.evictOrder
    for (
      let page = list.page(after, SUMMARY_PAGE);
      page.length > 0;
      page = list.page(page.at(-1), SUMMARY_PAGE)
    ) {
      yield order === 'evict' ? page.filter((summary) => summary.origin === 'relay') : page
    }
  }

  async *expiredEnvelopes(time: number): AsyncIterable<EnvelopeSummary> {
    yield* this.expiryOrder.takeWhile((envelope) => envelope.header.expiresAt <= time)
  }

  async *expiredReceipts(time: number): AsyncIterable<StoredReceipt> {
    const expired = [...this.receiptMap.values()].filter((receipt) => receipt.expiresAt <= time)
    yield* expired.sort((a, b) => a.expiresAt - b.expiresAt)
  }

  async *inbox(after?: InboxCursor): AsyncIterable<InboxEntry> {
    const order = (a: InboxCursor, b: InboxCursor): number =>
      a.receivedAt - b.receivedAt || a.id.localeCompare(b.id)
    yield* this.inboxEntries.filter((entry) => after === undefined || order(entry, after) > 0).sort(order)
  }

  counts(): StoreCounts {
    return { ...this.accounting.counts }
  }

  relayBytesFrom(peer: string): number {
    return this.accounting.bytesFrom(peer)
  }

  relayBytesFor(tag: string): number {
    return this.accounting.bytesFor(tag)
  }

  holdsFor(tag: string): boolean {
    return this.accounting.holdsFor(tag)
  }
}
