import type { GroupBook } from './groups.ts'
import type { MlsLimits, MlsQuotaReason } from './limits.ts'
import type { QuotaTally } from './quota.ts'
import { WindowQuota } from './quota.ts'
import { toHex } from '../wire/index.ts'

const HOUR_MS = 60 * 60 * 1000

/**
 * What strangers may make this user do: people in no group of ours, to whom no first message of ours waits.
 * A 1:1 group started from a stranger's first text, and a key package handed out to a stranger's request,
 * take a slot of an hourly quota; groups started for strangers who never wrote in them are bounded, the
 * oldest forgotten first.
 */
export class Strangers {
  private readonly starts: WindowQuota
  /** Groups started from strangers' first texts and not answered, by hex id, to when: the oldest first. */
  private readonly unanswered = new Map<string, number>()

  constructor(
    private readonly book: GroupBook,
    private readonly limits: MlsLimits,
    private readonly tally: QuotaTally
  ) {
    this.starts = new WindowQuota(limits.maxStrangerStartsPerHour, HOUR_MS)
  }

  /** Takes the unanswered groups from the book, once it is loaded. */
  load(): void {
    const unanswered = this.book
      .all()
      .flatMap(({ meta }) => (meta.unanswered === undefined ? [] : [[meta.id, meta.unanswered] as const]))
    for (const [id, since] of unanswered.sort(([, a], [, b]) => a - b)) this.unanswered.set(id, since)
  }

  get unansweredCount(): number {
    return this.unanswered.size
  }

  /**
   * Whether `identity` is in no group of ours and no first message of ours waits for them: a group started
   * for them, and key packages handed out to them, count against the stranger quotas.
   */
  async isStranger(identity: Uint8Array): Promise<boolean> {
    return (
      !this.book.inConversationWith(identity) &&
      (await this.book.store.firstMessages(toHex(identity))).length === 0
    )
  }

  /** Takes a slot of the hourly stranger quota, or counts `refusal` when there is none left. */
  mayServe(refusal: MlsQuotaReason, now: number): boolean {
    if (this.starts.take(now)) return true
    this.tally.hit(refusal, now)
    return false
  }

  /** Group `id` was started for a stranger at `now`, unanswered. */
  started(id: string, now: number): void {
    this.unanswered.set(id, now)
  }

  /** The stranger wrote in group `id`. */
  answered(id: string): void {
    this.unanswered.delete(id)
  }

  /** Forgets the oldest groups started for strangers who never answered, beyond the quota. */
  async evict(now: number): Promise<void> {
    for (const id of [...this.unanswered.keys()]) {
      if (this.unanswered.size <= this.limits.maxUnansweredStrangers) return
      this.unanswered.delete(id)
      await this.book.serial(id, async () => {
        if (this.book.get(id)?.meta.unanswered === undefined) return
        await this.book.forget(id)
        this.tally.hit('stranger group evicted', now)
      })
    }
  }
}
