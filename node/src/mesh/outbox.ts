import { andThen as then, walk } from '../queue/index.ts'
import type { EnvelopeSummary, FailedMessage, Later } from '../queue/index.ts'
import type { EngineContext } from './context.ts'
import type { Cycle } from './cycle.ts'
import type { Attempts, EngineAction } from './engine-types.ts'
import { retryDelay } from './policy.ts'
import { PERMANENT_REFUSALS } from './refusals.ts'

/**
 * This node's user's envelopes on their way out: the delivery attempts of each (kept in memory, since the
 * daemon started), the backoff between them, and the failed messages they end as when not delivered.
 */
export class Outbox {
  private readonly attempts = new Map<string, Attempts>()
  /** The earliest `timer` action handed out and not yet fired. */
  private timerAt = Infinity

  constructor(private readonly ctx: EngineContext) {}

  get(id: string): Attempts | undefined {
    return this.attempts.get(id)
  }

  /** The envelope left the outbox (delivered, handed over, evicted or discarded). */
  forget(id: string): void {
    this.attempts.delete(id)
  }

  /** A new contact: every envelope may be offered at once, and its backoff starts over. */
  newContact(): void {
    for (const attempts of this.attempts.values()) {
      attempts.failures = 0
      attempts.nextAttemptAt = 0
    }
  }

  /** Every envelope may be offered at once, whatever its backoff. */
  flush(): void {
    for (const attempts of this.attempts.values()) attempts.nextAttemptAt = 0
  }

  timerFired(): void {
    this.timerAt = Infinity
  }

  /**
   * Whether an outbox envelope may be offered now. A stale low-priority one fails; one backing off is not,
   * and a timer wakes the engine when its backoff ends.
   */
  due(summary: EnvelopeSummary, now: number, cycle: Cycle, out: EngineAction[]): boolean {
    const { header } = summary
    const { staleLowAfter } = this.ctx.policy
    if (header.priority === 'low' && now - summary.receivedAt > staleLowAfter) {
      this.fail(summary, 'stale', `low priority and older than ${staleLowAfter} ms`, cycle, out)
      return false
    }
    const attempts = this.attempts.get(header.id)
    if (attempts !== undefined && attempts.nextAttemptAt > now) {
      this.wakeAt(attempts.nextAttemptAt, out)
      return false
    }
    return true
  }

  attempted(id: string): void {
    const attempts = this.attempts.get(id) ?? {
      attempts: 0,
      failures: 0,
      lastError: '',
      nextAttemptAt: 0,
      refusals: {},
      copyTaken: false
    }
    attempts.attempts++
    this.attempts.set(id, attempts)
  }

  /** A peer took a copy: the backoff starts over, and refusals no longer fail the envelope. */
  copyTaken(id: string): void {
    const attempts = this.attempts.get(id)
    if (attempts === undefined) return
    attempts.failures = 0
    attempts.copyTaken = true
  }

  /** A hand-off of an outbox envelope failed: back off before offering it again. */
  handOffFailed(id: string, error: string, out: EngineAction[]): void {
    const attempts = this.attempts.get(id)
    if (attempts === undefined) return
    attempts.failures++
    attempts.lastError = error
    attempts.nextAttemptAt =
      this.ctx.clock.now() + retryDelay(this.ctx.policy, attempts.failures, this.ctx.random)
    this.wakeAt(attempts.nextAttemptAt, out)
  }

  /**
   * `peer` refused an envelope it was sent: it backs off. The count of such refusals when the envelope must
   * fail: refused `maxRefusals` times for one reason that will not change, and no peer took a copy meanwhile.
   */
  refused(id: string, peer: string, reason: string, out: EngineAction[]): number | undefined {
    this.handOffFailed(id, `refused by ${peer}: ${reason}`, out)
    const attempts = this.attempts.get(id)
    if (attempts === undefined || !PERMANENT_REFUSALS.has(reason)) return undefined
    const count = (attempts.refusals[reason] ?? 0) + 1
    attempts.refusals[reason] = count
    return count >= this.ctx.policy.maxRefusals && !attempts.copyTaken ? count : undefined
  }

  /** An envelope that expired unsent fails, with its last error. */
  expired(summary: EnvelopeSummary, cycle: Cycle, out: EngineAction[]): void {
    const lastError = this.attempts.get(summary.header.id)?.lastError ?? ''
    const detail =
      lastError === '' ? 'expired before delivery' : `expired before delivery; last error: ${lastError}`
    this.fail(summary, 'expired', detail, cycle, out)
  }

  /** An outbox envelope leaves undelivered: deleted, and recorded as failed in the same commit. */
  fail(summary: EnvelopeSummary, reason: string, detail: string, cycle: Cycle, out: EngineAction[]): void {
    const { id, priority } = summary.header
    cycle.deleteEnvelope(summary)
    this.attempts.delete(id)
    const failed: FailedMessage = {
      id,
      recipient: summary.recipient,
      priority,
      reason,
      detail,
      queuedAt: summary.receivedAt,
      failedAt: this.ctx.clock.now()
    }
    cycle.ops.push({ op: 'put-failed', failed })
    this.ctx.tally.failed(reason)
    out.push({ kind: 'failed', failed })
  }

  /** Discards unsent envelopes: these ids, or all of them. */
  discard(ids: string[] | undefined, cycle: Cycle, out: EngineAction[]): Later<void> {
    const wanted = ids === undefined ? undefined : new Set(ids)
    const discarded = walk(this.ctx.store.summaries('send'), (page) => {
      for (const summary of page) {
        const { id } = summary.header
        if (summary.origin !== 'local' || (wanted !== undefined && !wanted.has(id)) || !cycle.stillHeld(id))
          continue
        cycle.deleteEnvelope(summary)
        this.attempts.delete(id)
        this.ctx.tally.drop(out, 'discarded', 'discarded by the user', { id })
      }
      return false
    })
    return then(discarded, () => undefined)
  }

  private wakeAt(at: number, out: EngineAction[]): void {
    if (at >= this.timerAt) return
    this.timerAt = at
    out.push({ kind: 'timer', at })
  }
}
