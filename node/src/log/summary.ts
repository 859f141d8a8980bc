/** Distinct (peer, reason) pairs held in one interval; past it, the others are summed under no peer. */
const MAX_PAIRS = 1024

interface Held {
  peer: string | undefined
  reason: string
  count: number
}

export interface LogSummaryInit {
  intervalMs: number
  /**
   * Logs one line for `count` occurrences of `reason` held back over the last `intervalMs`: from `peer`, or
   * from no one peer when `peer` is undefined (this node, or more pairs than one interval keeps apart).
   */
  summarise(peer: string | undefined, reason: string, count: number): void
}

/**
 * Keeps repeated log lines of one peer and reason to at most two per interval: the first is logged in full
 * (`first` says so), the others are counted and summarised in one line when the interval ends.
 */
export class LogSummary {
  private readonly held = new Map<string, Held>()
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly init: LogSummaryInit) {}

  /** True when this occurrence is the first of `reason` from `peer` in the interval: the caller logs it. */
  first(peer: string | undefined, reason: string): boolean {
    const key = `${peer ?? ''}\n${reason}`
    const known = this.held.get(key)
    if (known !== undefined) {
      known.count++
      return false
    }
    if (this.held.size >= MAX_PAIRS) {
      this.countUnder(`*\n${reason}`, reason)
      return false
    }
    this.held.set(key, { peer, reason, count: 0 })
    this.timer ??= setTimeout(() => {
      this.flush()
    }, this.init.intervalMs).unref()
    return true
  }

  /** Logs the summaries of the interval so far and starts afresh (at the interval's end, and at stop). */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const held = [...this.held.values()]
    this.held.clear()
    for (const { peer, reason, count } of held) if (count > 0) this.init.summarise(peer, reason, count)
  }

  private countUnder(key: string, reason: string): void {
    const others = this.held.get(key)
    if (others === undefined) this.held.set(key, { peer: undefined, reason, count: 1 })
    else others.count++
  }
}
