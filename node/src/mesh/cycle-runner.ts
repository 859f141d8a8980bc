import { andThen as then, forEach } from '../queue/index.ts'
import type { Later, MeshStore } from '../queue/index.ts'
import { Cycle } from './cycle.ts'
import type { EngineAction, EngineEvent } from './engine-types.ts'
import { RecentEnvelopes } from './recent.ts'

interface Pending {
  event: EngineEvent
  resolve: (actions: EngineAction[]) => void
  reject: (err: Error) => void
}

/** Processes one event within a cycle, adding its actions to `out`. */
export type ProcessEvent = (event: EngineEvent, cycle: Cycle, out: EngineAction[]) => Later<void>

/**
 * Runs events in cycles, each committed in one atomic store write before its actions are released. An event
 * that comes while a cycle waits on the store queues; all queued when that cycle ends run as one cycle.
 */
export class CycleRunner {
  /** Undefined where the store's content is in memory already. */
  private readonly recent: RecentEnvelopes | undefined
  private queue: Pending[] = []
  /** A cycle is being processed (`running`: one that waits on the store, and the events queued behind it). */
  private draining = false
  private running: Promise<void> | undefined

  constructor(
    private readonly store: MeshStore,
    private readonly process: ProcessEvent
  ) {
    this.recent = store.contentInMemory ? undefined : new RecentEnvelopes()
  }

  /** The event's actions, at once when no event is waiting and the store answers at once. */
  run(event: EngineEvent): Later<EngineAction[]> {
    if (this.draining) return new Promise((resolve, reject) => this.queue.push({ event, resolve, reject }))
    this.draining = true
    let done: Later<EngineAction[]>
    try {
      done = this.runOne(event)
    } catch (err) {
      this.draining = false
      throw err
    }
    if (done instanceof Promise) {
      const drainQueued = (): Promise<void> => this.drainQueued()
      this.running = done.then(drainQueued, drainQueued)
      return done
    }
    if (this.queue.length > 0) this.running = this.drainQueued()
    else this.draining = false
    return done
  }

  /** Resolves once every event handed in so far has been processed and committed. */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  /** Runs the events that arrived while a cycle waited on the store, all waiting ones as one batch. */
  private async drainQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      try {
        const results = await this.runBatch(batch.map((pending) => pending.event))
        batch.forEach((pending, i) => {
          pending.resolve(results[i] ?? [])
        })
      } catch (err) {
        for (const pending of batch) pending.reject(err as Error)
      }
    }
    this.running = undefined
    this.draining = false
  }

  /** One event as a cycle of its own: the event, then its atomic write; its actions. */
  private runOne(event: EngineEvent): Later<EngineAction[]> {
    const cycle = new Cycle(this.store, this.recent)
    const actions: EngineAction[] = []
    return then(this.process(event, cycle, actions), () => then(this.commit(cycle), () => actions))
  }

  /** One cycle for several events: each in order, then their one atomic write; each event's actions. */
  private runBatch(events: readonly EngineEvent[]): Later<EngineAction[][]> {
    const cycle = new Cycle(this.store, this.recent)
    const results: EngineAction[][] = []
    const processed = forEach(events, (event) => {
      const actions: EngineAction[] = []
      results.push(actions)
      return this.process(event, cycle, actions)
    })
    return then(processed, () => then(this.commit(cycle), () => results))
  }

  /** Writes a cycle's ops in one atomic batch. */
  private commit(cycle: Cycle): Later<void> {
    if (cycle.ops.length === 0) return
    return then(this.store.apply(cycle.ops), () => {
      this.recent?.committed(cycle.ops)
    })
  }
}
