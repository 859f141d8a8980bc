import { StoreAccounting } from './accounting.ts'
import { BucketIndex } from './bucket-index.ts'
import { IdDigest } from './id-digest.ts'
import type { IdBuckets } from './id-digest.ts'
import { IdSet } from './id-set.ts'
import { compareIds, compareSummaries, inWalk, PRIORITY_RANK, SUMMARY_PAGE } from './order.ts'
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

/** Wider than any arrival time in ms (year 5138), so a priority class and an arrival make one number. */
const CLASS_SPAN = 1e14

/** A walk within buckets gathers and sorts their summaries when they are fewer than 1/8 of all buckets. */
const GATHER_BELOW = 8

/** The mesh store in memory: for the simulator and tests. Same semantics as the LevelDB store. */
export class MemoryStore implements MeshStore {
  private readonly envelopeMap = new Map<string, StoredEnvelope>()
  private readonly receiptMap = new Map<string, StoredReceipt>()
  private readonly digest = IdDigest.empty()
  private readonly envelopeIds = new IdSet(this.digest)
  private readonly receiptIds = new IdSet()
  private readonly inboxEntries: InboxEntry[] = []
  private readonly accounting = new StoreAccounting()
  private readonly sendOrder = new SortedList<EnvelopeSummary>((a, b) => compareSummaries('send', a, b))
  /** Outbox and relay envelopes together: `evict` walks skip the outbox ones. */
  private readonly evictOrder = new SortedList<EnvelopeSummary>((a, b) => compareSummaries('evict', a, b))
  /** Bumped by every `apply`: a gathering made at an older version is stale. */
  private version = 0
  private lastGathered:
    { within: IdBuckets; order: SummaryOrder; version: number; summaries: EnvelopeSummary[] } | undefined
  private readonly byBucket = new BucketIndex()
  private readonly expiryOrder = new SortedList<EnvelopeSummary>(
    (a, b) => a.header.expiresAt - b.header.expiresAt || compareIds(a.header.id, b.header.id)
  )

  async open(): Promise<void> {
    // Nothing to open: the maps live as long as the object.
  }

  async close(): Promise<void> {
    // Nothing to close.
  }

  async apply(ops: StoreOp[]): Promise<void> {
    this.version++
    for (const op of ops) {
      switch (op.op) {
        case 'put-envelope':
          this.envelopeMap.set(op.envelope.header.id, op.envelope)
          this.envelopeIds.add(op.envelope.header.id, op.envelope.header.idBytes)
          this.index(op.envelope, 1)
          break
        case 'delete-envelope': {
          const stored = this.envelopeMap.get(op.envelope.header.id)
          this.envelopeMap.delete(op.envelope.header.id)
          this.envelopeIds.delete(op.envelope.header.id)
          if (stored !== undefined) this.index(stored, -1)
          break
        }
        case 'put-receipt':
          this.receiptMap.set(op.receipt.id, op.receipt)
          this.receiptIds.add(op.receipt.id)
          this.accounting.counts.receipts++
          break
        case 'delete-receipt':
          this.receiptMap.delete(op.receipt.id)
          this.receiptIds.delete(op.receipt.id)
          this.accounting.counts.receipts--
          break
        case 'put-inbox':
          this.inboxEntries.push(op.entry)
          this.accounting.counts.inbox++
          break
      }
    }
    this.byBucket.refit(this.digest.bits, () => this.envelopeMap.values())
  }

  private index(envelope: EnvelopeSummary, sign: 1 | -1): void {
    this.accounting.envelope(envelope, sign)
    if (sign === 1) this.byBucket.add(envelope)
    else this.byBucket.remove(envelope)
    for (const list of [this.sendOrder, this.evictOrder, this.expiryOrder]) {
      if (sign === 1) list.insert(envelope)
      else list.remove(envelope)
    }
  }

  hasEnvelope(id: string): boolean {
    return this.envelopeIds.has(id)
  }

  hasReceipt(id: string): boolean {
    return this.receiptIds.has(id)
  }

  envelopeDigest(): IdDigest {
    return this.digest
  }

  hasEnvelopeBytes(id: Uint8Array): boolean {
    return this.envelopeIds.hasBytes(id)
  }

  hasReceiptBytes(id: Uint8Array): boolean {
    return this.receiptIds.hasBytes(id)
  }

  async getEnvelopes(ids: string[]): Promise<(StoredEnvelope | undefined)[]> {
    return ids.map((id) => this.envelopeMap.get(id))
  }

  async getReceipts(ids: string[]): Promise<(StoredReceipt | undefined)[]> {
    return ids.map((id) => this.receiptMap.get(id))
  }

  async *summaries(
    order: SummaryOrder,
    after?: EnvelopeSummary,
    within?: IdBuckets
  ): AsyncIterable<EnvelopeSummary[]> {
    if (within !== undefined && within.buckets.size * GATHER_BELOW < 2 ** within.bits) {
      yield* this.summariesWithin(order, after, within)
      return
    }
    const list = order === 'send' ? this.sendOrder : this.evictOrder
    for (
      let page = list.page(after, SUMMARY_PAGE);
      page.length > 0;
      page = list.page(page.at(-1), SUMMARY_PAGE)
    ) {
      yield order === 'evict' || within !== undefined
        ? page.filter((summary) => inWalk(order, summary, within))
        : page
    }
  }

  /**
   * Gathers the few summaries in the buckets instead of walking the whole order. The engine walks the
   * same buckets twice in a row (the peer's own envelopes, then the rest): the second walk reuses the
   * first's gathering while the store is unchanged.
   */
  private *summariesWithin(
    order: SummaryOrder,
    after: EnvelopeSummary | undefined,
    within: IdBuckets
  ): Iterable<EnvelopeSummary[]> {
    const last = this.lastGathered
    const gathered =
      last?.within === within && last.order === order && last.version === this.version
        ? last.summaries
        : this.gather(order, within)
    this.lastGathered = { within, order, version: this.version, summaries: gathered }
    const from =
      after === undefined ? 0 : gathered.findIndex((summary) => compareSummaries(order, summary, after) > 0)
    for (let i = from < 0 ? gathered.length : from; i < gathered.length; i += SUMMARY_PAGE)
      yield gathered.slice(i, i + SUMMARY_PAGE)
  }

  private gather(order: SummaryOrder, within: IdBuckets): EnvelopeSummary[] {
    const gathered: EnvelopeSummary[] = []
    this.byBucket.gather(within, gathered)
    return sortedBy(
      order,
      gathered.filter((summary) => inWalk(order, summary))
    )
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
      a.receivedAt - b.receivedAt || compareIds(a.id, b.id)
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

/**
 * Sorts summaries in an order by a number per summary (priority class, then arrival), ids breaking ties:
 * the same order as {@link compareSummaries}, at a fraction of its cost for the hundreds a gathering holds.
 */
function sortedBy(order: SummaryOrder, summaries: EnvelopeSummary[]): EnvelopeSummary[] {
  const keys = summaries.map((summary) => {
    const rank = PRIORITY_RANK[summary.header.priority]
    return (order === 'send' ? rank : 2 - rank) * CLASS_SPAN + summary.receivedAt
  })
  const positions = summaries.map((_, i) => i)
  positions.sort(
    (i, j) =>
      (keys[i] ?? 0) - (keys[j] ?? 0) ||
      compareIds(summaries[i]?.header.id ?? '', summaries[j]?.header.id ?? '')
  )
  return positions.map((i) => summaries[i] as EnvelopeSummary)
}
