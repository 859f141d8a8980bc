import type { Logger } from '@libp2p/logger'
import type { MlsQuotaReason } from './limits.ts'

/** Milliseconds between two log lines of one reason. */
const LOG_INTERVAL_MS = 60_000

/** Counts what the MLS quotas refused or evicted, by reason, with at most one log line per reason a minute. */
export class QuotaTally {
  readonly counts: Partial<Record<MlsQuotaReason, number>> = {}
  private readonly logged = new Map<MlsQuotaReason, { at: number; since: number }>()

  constructor(private readonly log: Logger) {}

  hit(reason: MlsQuotaReason, now: number, count = 1): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + count
    const last = this.logged.get(reason)
    const since = (last?.since ?? 0) + count
    if (last !== undefined && now - last.at < LOG_INTERVAL_MS) {
      last.since = since
      return
    }
    this.logged.set(reason, { at: now, since: 0 })
    this.log('quota: %s, %d since the last line', reason, since)
  }
}

/** Takes at most `limit` slots in any window of `windowMs`. */
export class WindowQuota {
  /** Times of the slots taken within the window, oldest first: never more than `limit`. */
  private readonly taken: number[] = []

  constructor(
    private readonly limit: number,
    private readonly windowMs: number
  ) {}

  take(now: number): boolean {
    while (this.taken.length > 0 && (this.taken[0] ?? now) <= now - this.windowMs) this.taken.shift()
    if (this.taken.length >= this.limit) return false
    this.taken.push(now)
    return true
  }
}
