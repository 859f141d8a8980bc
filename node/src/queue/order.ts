import { inBuckets } from './id-digest.ts'
import type { IdBuckets } from './id-digest.ts'
import type { EnvelopeSummary, SummaryOrder } from './types.ts'

/** Summaries per page of a store walk: few awaits per walk, little read ahead of a walk that stops early. */
export const SUMMARY_PAGE = 1024

/** Fixed-width decimal, so keys sort as the numbers do. */
export function pad(value: number): string {
  return value.toString().padStart(15, '0')
}

/** Rank of each priority class in the send order: critical first. */
export const PRIORITY_RANK = { critical: 0, normal: 1, low: 2 } as const

/** Compares two summaries in the given order (see {@link SummaryOrder}). */
export function compareSummaries(order: SummaryOrder, a: EnvelopeSummary, b: EnvelopeSummary): number {
  const ha = a.header
  const hb = b.header
  if (ha.priority !== hb.priority) {
    const rank = PRIORITY_RANK[ha.priority] - PRIORITY_RANK[hb.priority]
    return order === 'send' ? rank : -rank
  }
  return a.receivedAt - b.receivedAt || compareIds(ha.id, hb.id)
}

/** Whether a summary from `order`'s index belongs in a walk of that order, `within` these buckets if given. */
export function inWalk(order: SummaryOrder, summary: EnvelopeSummary, within?: IdBuckets): boolean {
  return (
    (order !== 'evict' || summary.origin === 'relay') &&
    (within === undefined || inBuckets(summary.header.idBytes, within))
  )
}

/** Hex ids in code-point order, as LevelDB orders the keys that end in them (and faster than `localeCompare`). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
