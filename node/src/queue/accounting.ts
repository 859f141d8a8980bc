import type { EnvelopeSummary, StoreCounts } from './types.ts'

/** Counts and per-peer, per-tag byte totals of a store, kept up to date op by op. */
export class StoreAccounting {
  readonly counts: StoreCounts = { outbox: 0, outboxBytes: 0, relay: 0, relayBytes: 0, receipts: 0, inbox: 0 }
  // Made on first use: an engine cycle keeps one of these for what it changes, and most change little.
  private bytesByPeer: Map<string, number> | undefined
  private bytesByTag: Map<string, number> | undefined
  private envelopesByTag: Map<string, number> | undefined

  /** Adds (`sign` 1) or removes (`sign` -1) an envelope. */
  envelope(envelope: EnvelopeSummary, sign: 1 | -1): void {
    add((this.envelopesByTag ??= new Map<string, number>()), envelope.header.tag, sign)
    if (envelope.origin === 'local') {
      this.counts.outbox += sign
      this.counts.outboxBytes += sign * envelope.header.size
      return
    }
    const size = sign * envelope.header.size
    this.counts.relay += sign
    this.counts.relayBytes += size
    add((this.bytesByPeer ??= new Map<string, number>()), envelope.fromPeer, size)
    add((this.bytesByTag ??= new Map<string, number>()), envelope.header.tag, size)
  }

  bytesFrom(peer: string): number {
    return this.bytesByPeer?.get(peer) ?? 0
  }

  bytesFor(tag: string): number {
    return this.bytesByTag?.get(tag) ?? 0
  }

  holdsFor(tag: string): boolean {
    return this.envelopesByTag?.has(tag) === true
  }
}

function add(totals: Map<string, number>, key: string, delta: number): void {
  const total = (totals.get(key) ?? 0) + delta
  if (total === 0) totals.delete(key)
  else totals.set(key, total)
}
