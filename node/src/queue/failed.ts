import { pad } from './order.ts'
import type { FailedMessage } from './types.ts'

/** Failed messages a store keeps at most; beyond it the oldest make way, so the record never grows unbounded. */
export const FAILED_KEPT = 1000

/** Orders failed messages oldest first, ids breaking ties, as LevelDB orders these keys. */
export function failedKey(failed: Pick<FailedMessage, 'failedAt' | 'id'>): string {
  return `${pad(failed.failedAt)}!${failed.id}`
}

/** The keys of the failed messages a store keeps, oldest first, at most {@link FAILED_KEPT}. */
export class FailedKeys {
  private keys: readonly string[] = []

  get size(): number {
    return this.keys.length
  }

  /** All keys, oldest first. */
  all(): readonly string[] {
    return this.keys
  }

  /** The keys once `added` are in, and those the bound pushes out; nothing changes until `keep`. */
  withAdded(added: readonly string[]): { kept: string[]; evicted: string[] } {
    if (added.length === 0) return { kept: [...this.keys], evicted: [] }
    const all = [...new Set([...this.keys, ...added])].sort()
    const over = Math.max(0, all.length - FAILED_KEPT)
    return { kept: all.slice(over), evicted: all.slice(0, over) }
  }

  keep(kept: readonly string[]): void {
    this.keys = kept
  }
}
