import { bucketOf, inBuckets } from './id-digest.ts'
import type { IdBuckets } from './id-digest.ts'
import type { EnvelopeSummary } from './types.ts'

/**
 * Summaries by the bucket of their ids, split as finely as the store's
 * digest: slots of an array, so a walk within the few buckets where two
 * digests differ finds its summaries by index, and memory follows the store's
 * size (the digest splits finer as the store grows).
 */
export class BucketIndex {
  private bits = 0
  private slots: (EnvelopeSummary[] | undefined)[] = [undefined]

  add(summary: EnvelopeSummary): void {
    const slot = bucketOf(summary.header.idBytes, this.bits)
    const held = this.slots[slot]
    if (held === undefined) this.slots[slot] = [summary]
    else held.push(summary)
  }

  remove(summary: EnvelopeSummary): void {
    const slot = bucketOf(summary.header.idBytes, this.bits)
    const held = this.slots[slot]
    const at = held?.indexOf(summary) ?? -1
    if (held === undefined || at < 0) return
    held.splice(at, 1)
    if (held.length === 0) this.slots[slot] = undefined
  }

  /** Splits as `bits` says, from `all` the summaries, when that differs from the split so far. */
  refit(bits: number, all: () => Iterable<EnvelopeSummary>): void {
    if (bits === this.bits) return
    this.bits = bits
    this.slots = new Array<EnvelopeSummary[] | undefined>(2 ** bits).fill(undefined)
    for (const summary of all()) this.add(summary)
  }

  /** Adds the summaries within the buckets to `into`, in no particular order. */
  gather(within: IdBuckets, into: EnvelopeSummary[]): void {
    if (within.bits > this.bits) {
      const coarser = within.bits - this.bits
      for (const slot of new Set([...within.buckets].map((bucket) => bucket >> coarser))) {
        for (const summary of this.slots[slot] ?? [])
          if (inBuckets(summary.header.idBytes, within)) into.push(summary)
      }
      return
    }
    const finer = this.bits - within.bits
    for (const bucket of within.buckets) {
      for (let slot = bucket << finer; slot < (bucket + 1) << finer; slot++) {
        const held = this.slots[slot]
        if (held !== undefined) into.push(...held)
      }
    }
  }
}
