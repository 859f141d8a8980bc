import type { MeshStore } from '../queue/index.ts'
import type { Clock, DropReason, EngineAction, EngineStats, LocalEndpoint } from './engine-types.ts'
import type { EnginePolicy } from './policy.ts'
import type { ForwardingStrategy } from './strategy.ts'

/** What every part of one engine works with: what was injected, its policy and its counts. */
export interface EngineContext {
  readonly store: MeshStore
  readonly clock: Clock
  readonly local: LocalEndpoint
  readonly policy: EnginePolicy
  readonly strategy: ForwardingStrategy
  readonly random: () => number
  readonly tally: Tally
}

/** The engine's counts of what it dropped, refused and failed (its `stats`). */
export class Tally {
  readonly stats: EngineStats = { dropped: {}, refusedByPeer: {}, failed: {} }

  /** Counts `count` items dropped for one reason in one action: a flood makes one action per frame, not per item. */
  drop(
    out: EngineAction[],
    reason: DropReason,
    detail: string,
    where: { peer?: string; id?: string } = {},
    count = 1
  ): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + count
    out.push({ kind: 'dropped', reason, detail, ...where })
  }

  /** A refusal for a quota or a full store, counted by the peer that sent the envelope. */
  refused(peer: string, reason: DropReason): void {
    if (reason === 'peer quota' || reason === 'recipient quota' || reason === 'store full') {
      this.stats.refusedByPeer[peer] = (this.stats.refusedByPeer[peer] ?? 0) + 1
    }
  }

  failed(reason: string): void {
    this.stats.failed[reason] = (this.stats.failed[reason] ?? 0) + 1
  }
}
