import type { EnvelopeSummary, StoreCounts } from './types.ts'

/** Counts and per-peer, per-tag byte totals of a store, kept up to date op by op. */
export class StoreAccounting {
  readonly counts: StoreCounts = { outbox: 0, outboxBytes: 0, relay: 0, relayBytes: 0, receipts: 0, inbox: 0 }
  private readonly bytesByPeer = new Map<string, number>()
  private readonly bytesByTag = new Map<string, number>()
  private readonly envelopesByTag = new Map<string, number>()

  /** Adds (`sign` 1) or removes (`sign` -1) an envelope. */
  envelope(envelope: EnvelopeSummary, sign: 1 | -1): void {
    add(this.envelopesByTag, envelope.header.tag, sign)
    if (envelope.origin === 'local') {
      this.counts.outbox += sign
      this.counts.outboxBytes += sign * envelope.header.size
      return
    }
    const size = sign * envelope.header.size
    this.counts.relay += sign
    this.counts.relayBytes += size
    add(this.bytesByPeer, envelope.fromPeer, size)
    add(this.bytesByTag, envelope.header.tag, size)
  }

  bytesFrom(peer: string): number {
    return this.bytesByPeer.get(peer) ?? 0
  }

  bytesFor(tag: string): number {
    return this.bytesByTag.get(tag) ?? 0
  }

  holdsFor(tag: string): boolean {
    return this.envelopesByTag.has(tag)
  }
}

function add(totals: Map<string, number>, key: string, delta: number): void {
  const total = (totals.get(key) ?? 0) + delta
  if (total === 0) totals.delete(key)
  else totals.set(key, total)
}
