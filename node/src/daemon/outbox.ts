import type { OutboxItem } from '../api/methods.ts'
import type { EngineAction, EngineEvent, MeshEngine } from '../mesh/index.ts'
import type { FailedMessage } from '../queue/index.ts'
import type { LevelStore } from '../storage/index.ts'

/** Where envelopes of this node's user are queued: what the conversations part needs of the outbox. */
export interface EnvelopeQueue {
  /** Queues envelopes (their bytes and the recipient's address) for the mesh engine to send. */
  submit(envelopes: { content: Uint8Array; recipient: string }[]): Promise<void>
  /** Whether an envelope is still in the outbox. */
  queued(id: string): Promise<boolean>
}

export interface OutboxInit {
  store: Pick<LevelStore, 'summaries' | 'failed' | 'counts' | 'getEnvelopes'>
  /** The running engine's attempts; throws while the daemon is stopped. */
  engine: () => Pick<MeshEngine, 'attempts'>
  /** Hands an event to the running engine. */
  dispatch: (event: EngineEvent) => Promise<EngineAction[]>
  hopLimit: number
}

/** This node's outbox in the mesh store: queues, lists, flushes and discards its user's envelopes. */
export class Outbox implements EnvelopeQueue {
  constructor(private readonly init: OutboxInit) {}

  async submit(envelopes: { content: Uint8Array; recipient: string }[]): Promise<void> {
    const { hopLimit } = this.init
    await this.init.dispatch({
      kind: 'submit',
      envelopes: envelopes.map(({ content, recipient }) => ({ content, hopLimit, recipient }))
    })
  }

  async queued(id: string): Promise<boolean> {
    return (await this.init.store.getEnvelopes([id]))[0] !== undefined
  }

  /** The user's envelopes in the outbox, with the engine's attempts at them. */
  async items(now: number): Promise<OutboxItem[]> {
    const engine = this.init.engine()
    const items: OutboxItem[] = []
    for await (const page of this.init.store.summaries('send')) {
      for (const summary of page) {
        if (summary.origin !== 'local') continue
        const attempts = engine.attempts(summary.header.id)
        items.push({
          id: summary.header.id,
          recipient: summary.recipient,
          priority: summary.header.priority,
          age: now - summary.receivedAt,
          attempts: attempts?.attempts ?? 0,
          refusals: Object.values(attempts?.refusals ?? {}).reduce((sum, count) => sum + count, 0),
          lastError: attempts?.lastError ?? '',
          nextAttemptAt: attempts?.nextAttemptAt ?? 0,
          expiresAt: summary.header.expiresAt
        })
      }
    }
    return items
  }

  async failed(): Promise<FailedMessage[]> {
    const items: FailedMessage[] = []
    for await (const failed of this.init.store.failed()) items.push(failed)
    return items
  }

  /** Tries every pending envelope now; answers how many are pending. */
  async flush(): Promise<number> {
    await this.init.dispatch({ kind: 'flush' })
    return this.init.store.counts().outbox
  }

  /** Discards unsent envelopes, these or all; answers how many were discarded. */
  async discard(ids: string[] | undefined): Promise<number> {
    const actions = await this.init.dispatch({ kind: 'discard', ids })
    return actions.filter((action) => action.kind === 'dropped').length
  }
}
