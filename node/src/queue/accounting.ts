import type { EnvelopeSummary, StoreCounts } from './types.ts'

/** Envelopes and relay bytes under one key (a tag, a peer), updated in place. */
interface KeyTotals {
  envelopes: number
  relayBytes: number
}

/** Counts and per-peer, per-tag byte totals of a store, kept up to date op by op. */
export class StoreAccounting {
  readonly counts: StoreCounts = {
    outbox: 0,
    outboxBytes: 0,
    relay: 0,
    relayBytes: 0,
    receipts: 0,
    inbox: 0,
    failed: 0
  }
  /** Relay envelopes by the peer they came from. */
  private readonly byPeer = new Map<string, KeyTotals>()
  /** All envelopes by tag; the relay bytes among them. */
  private readonly byTag = new Map<string, KeyTotals>()

  /** Adds (`sign` 1) or removes (`sign` -1) an envelope. */
  envelope(envelope: EnvelopeSummary, sign: 1 | -1): void {
    const { tag, size } = envelope.header
    if (envelope.origin === 'local') {
      this.counts.outbox += sign
      this.counts.outboxBytes += sign * size
      add(this.byTag, tag, sign, 0)
      return
    }
    this.counts.relay += sign
    this.counts.relayBytes += sign * size
    add(this.byPeer, envelope.fromPeer, sign, sign * size)
    add(this.byTag, tag, sign, sign * size)
  }

  bytesFrom(peer: string): number {
    return this.byPeer.get(peer)?.relayBytes ?? 0
  }

  bytesFor(tag: string): number {
    return this.byTag.get(tag)?.relayBytes ?? 0
  }

  holdsFor(tag: string): boolean {
    return (this.byTag.get(tag)?.envelopes ?? 0) !== 0
  }
}

/** Adds to a key's totals; a key whose totals are back to nothing is dropped. */
function add(totals: Map<string, KeyTotals>, key: string, envelopes: number, relayBytes: number): void {
  let entry = totals.get(key)
  if (entry === undefined) {
    entry = { envelopes: 0, relayBytes: 0 }
    totals.set(key, entry)
  }
  entry.envelopes += envelopes
  entry.relayBytes += relayBytes
  if (entry.envelopes === 0 && entry.relayBytes === 0) totals.delete(key)
}
