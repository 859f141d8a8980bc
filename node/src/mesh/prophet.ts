import type { EnvelopeSummary } from '../queue/index.ts'
import { fromHex, peerDecoder, toHex } from '../wire/index.ts'
import { Predictabilities } from './prophet.pb.ts'
import type { ForwardingStrategy, PeerView } from './strategy.ts'

const predictabilities = peerDecoder('Predictabilities', Predictabilities)

/**
 * Where a strategy reports what a peer got wrong, printf-style (`%p` a peer, `%s` a string): the daemon passes
 * its `qpq:mesh:prophet` logger; the engine's folder loads no logger of its own, so by default nothing is said.
 */
export type StrategyLog = (format: string, ...args: unknown[]) => void

const silent: StrategyLog = () => undefined

/** PRoPHET's parameters, as named by Lindgren et al. and the ONE (whose defaults these are). */
export interface ProphetParams {
  /** Predictability gained by an encounter. */
  pInit: number
  /** Weight of transitive predictabilities. */
  beta: number
  /** Ageing factor per time unit. */
  gamma: number
  /** Length of the ageing time unit, in ms. */
  timeUnit: number
}

export const DEFAULT_PROPHET: ProphetParams = { pInit: 0.75, beta: 0.25, gamma: 0.98, timeUnit: 30_000 }

/** Predictabilities below this are forgotten, so the table shared in hellos stays bounded by recent contacts. */
const FORGET_BELOW = 1e-4

/**
 * PRoPHET (Lindgren et al. 2003): each node keeps, per recipient tag, a
 * delivery predictability that grows on encounters, ages with time and passes
 * on transitively; an envelope goes to a peer more likely than this node to
 * meet its recipient. Peers swap their tables in the hello of a contact.
 */
export class Prophet implements ForwardingStrategy {
  readonly name = 'prophet'
  private readonly params: ProphetParams
  private readonly predictability = new Map<string, number>()
  private readonly peerTables = new Map<string, Map<string, number>>()
  private agedAt: number | undefined
  private readonly log: StrategyLog

  constructor(params: Partial<ProphetParams> = {}, log: StrategyLog = silent) {
    this.log = log
    this.params = {
      pInit: params.pInit ?? DEFAULT_PROPHET.pInit,
      beta: params.beta ?? DEFAULT_PROPHET.beta,
      gamma: params.gamma ?? DEFAULT_PROPHET.gamma,
      timeUnit: params.timeUnit ?? DEFAULT_PROPHET.timeUnit
    }
  }

  shouldForward(envelope: EnvelopeSummary, peer: PeerView): boolean {
    const theirs = this.peerTables.get(peer.id)?.get(envelope.header.tag) ?? 0
    return theirs > (this.predictability.get(envelope.header.tag) ?? 0)
  }

  hello(now: number): Uint8Array {
    this.age(now)
    return Predictabilities.encode({
      entries: [...this.predictability].map(([tag, predictability]) => ({
        tag: fromHex(tag),
        predictability
      }))
    })
  }

  met(peer: string, tags: ReadonlySet<string>, shared: Uint8Array | undefined, now: number): void {
    this.age(now)
    const { pInit, beta } = this.params
    let viaPeer = 0
    for (const tag of tags) {
      const old = this.predictability.get(tag) ?? 0
      const updated = old + (1 - old) * pInit
      this.predictability.set(tag, updated)
      viaPeer = Math.max(viaPeer, updated)
    }
    const table = decodeTable(peer, shared, this.log)
    this.peerTables.set(peer, table)
    for (const [tag, theirs] of table) {
      if (tags.has(tag)) continue
      const transitive = viaPeer * theirs * beta
      if (transitive > (this.predictability.get(tag) ?? 0)) this.predictability.set(tag, transitive)
    }
  }

  parted(peer: string): void {
    this.peerTables.delete(peer)
  }

  private age(now: number): void {
    const since = this.agedAt ?? now
    const units = (now - since) / this.params.timeUnit
    this.agedAt = now
    if (units <= 0) return
    const factor = this.params.gamma ** units
    for (const [tag, value] of this.predictability) {
      const aged = value * factor
      if (aged < FORGET_BELOW) this.predictability.delete(tag)
      else this.predictability.set(tag, aged)
    }
  }
}

function decodeTable(peer: string, shared: Uint8Array | undefined, log: StrategyLog): Map<string, number> {
  const table = new Map<string, number>()
  if (shared === undefined) return table
  try {
    for (const { tag, predictability } of predictabilities.decode(shared).entries) {
      if (predictability >= 0 && predictability <= 1) table.set(toHex(tag), predictability)
    }
  } catch (err) {
    log('dropped malformed predictabilities from %p: %s', peer, (err as Error).message)
  }
  return table
}
