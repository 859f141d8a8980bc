import { BucketIndex } from './bucket-index.ts'
import { failedKey, FailedKeys } from './failed.ts'
import { HeldInMemory } from './held.ts'
import type { IdBuckets } from './id-digest.ts'
import { compareIds, compareSummaries, inWalk, PRIORITY_RANK, SUMMARY_PAGE } from './order.ts'
import { SortedList } from './sorted-list.ts'
import type {
  EnvelopeSummary,
  FailedMessage,
  InboxCursor,
  InboxEntry,
  MeshStore,
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
export class MemoryStore extends HeldInMemory implements MeshStore {
  readonly contentInMemory = true
  private readonly envelopeMap = new Map<string, StoredEnvelope>()
  private readonly receiptMap = new Map<string, StoredReceipt>()
  private readonly inboxEntries: InboxEntry[] = []
  private readonly failedMap = new Map<string, FailedMessage>()
  private readonly failedKeys = new FailedKeys()
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
  private readonly orders = [this.sendOrder, this.evictOrder, this.expiryOrder] as const

  async open(): Promise<void> {
    // Nothing to open: the maps live as long as the object.
  }

  async close(): Promise<void> {
    // Nothing to close.
  }

  apply(ops: StoreOp[]): void {
    this.version++
    for (const op of ops) {
      switch (op.op) {
        case 'put-envelope':
          this.envelopeMap.set(op.envelope.header.id, op.envelope)
          this.follow(op)
          this.index(op.envelope, 1)
          break
        case 'delete-envelope': {
          const stored = this.envelopeMap.get(op.envelope.header.id)
          if (stored === undefined) break
          this.envelopeMap.delete(op.envelope.header.id)
          this.followEnvelope(stored, -1)
          this.index(stored, -1)
          break
        }
        case 'put-receipt':
          this.receiptMap.set(op.receipt.id, op.receipt)
          this.follow(op)
          break
        case 'delete-receipt':
          this.receiptMap.delete(op.receipt.id)
          this.follow(op)
          break
        case 'put-inbox':
          this.inboxEntries.push(op.entry)
          this.follow(op)
          break
        case 'put-failed':
          this.putFailed(op.failed)
          break
      }
    }
    this.byBucket.refit(this.envelopeDigest().bits, () => this.envelopeMap.values())
  }

  private putFailed(failed: FailedMessage): void {
    const key = failedKey(failed)
    const { kept, evicted } = this.failedKeys.withAdded([key])
    this.failedMap.set(key, failed)
    for (const old of evicted) this.failedMap.delete(old)
    this.failedKeys.keep(kept)
    this.accounting.counts.failed = kept.length
  }

  /** Files an envelope in (or out of) the walk orders and buckets. */
  private index(envelope: EnvelopeSummary, sign: 1 | -1): void {
    if (sign === 1) this.byBucket.add(envelope)
    else this.byBucket.remove(envelope)
    for (const list of this.orders) {
      if (sign === 1) list.insert(envelope)
      else list.remove(envelope)
    }
  }

  getEnvelopes(ids: string[]): (StoredEnvelope | undefined)[] {
    return ids.map((id) => this.envelopeMap.get(id))
  }

  getReceipts(ids: string[]): (StoredReceipt | undefined)[] {
    return ids.map((id) => this.receiptMap.get(id))
  }

  *summaries(order: SummaryOrder, after?: EnvelopeSummary, within?: IdBuckets): Iterable<EnvelopeSummary[]> {
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

  expiredEnvelopes(time: number): EnvelopeSummary[] {
    return this.expiryOrder.takeWhile((envelope) => envelope.header.expiresAt <= time)
  }

  expiredReceipts(time: number): StoredReceipt[] {
    const expired = [...this.receiptMap.values()].filter((receipt) => receipt.expiresAt <= time)
    return expired.sort((a, b) => a.expiresAt - b.expiresAt)
  }

  async *inbox(after?: InboxCursor): AsyncIterable<InboxEntry> {
    const order = (a: InboxCursor, b: InboxCursor): number =>
      a.receivedAt - b.receivedAt || compareIds(a.id, b.id)
    yield* this.inboxEntries.filter((entry) => after === undefined || order(entry, after) > 0).sort(order)
  }

  async *failed(): AsyncIterable<FailedMessage> {
    for (const key of this.failedKeys.all()) {
      const failed = this.failedMap.get(key)
      if (failed !== undefined) yield failed
    }
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
  // -1, 0 or 1, not the keys' difference: a difference this large is a double, allocated at every comparison.
  positions.sort((i, j) => {
    const a = keys[i] ?? 0
    const b = keys[j] ?? 0
    if (a !== b) return a < b ? -1 : 1
    return compareIds(summaries[i]?.header.id ?? '', summaries[j]?.header.id ?? '')
  })
  return positions.map((i) => summaries[i] as EnvelopeSummary)
}
