import { StoreAccounting } from './accounting.ts'
import { IdDigest } from './id-digest.ts'
import { IdSet } from './id-set.ts'
import type { EnvelopeSummary, StoreCounts, StoreOp } from './types.ts'

/**
 * What a store keeps in memory of what it holds, wherever the content lives:
 * counts and byte totals, the ids of its envelopes (with their digest) and of
 * its receipts. A store follows every committed op through `follow`; the
 * engine's synchronous questions are answered from here.
 */
export abstract class HeldInMemory {
  protected readonly accounting = new StoreAccounting()
  private readonly digest = IdDigest.empty()
  protected readonly envelopeIds = new IdSet(this.digest)
  protected readonly receiptIds = new IdSet()

  /** Follows one committed op. */
  protected follow(op: StoreOp): void {
    const { counts } = this.accounting
    switch (op.op) {
      case 'put-envelope':
        this.followEnvelope(op.envelope, 1)
        return
      case 'delete-envelope':
        this.followEnvelope(op.envelope, -1)
        return
      case 'put-receipt':
        counts.receipts++
        this.receiptIds.add(op.receipt.id)
        return
      case 'delete-receipt':
        counts.receipts--
        this.receiptIds.delete(op.receipt.id)
        return
      case 'put-inbox':
        counts.inbox++
        return
      case 'put-failed':
        // The store counts what it keeps of them, the bound applied.
        return
    }
  }

  /** Counts an envelope in (`sign` 1) or out (-1). */
  protected followEnvelope(envelope: EnvelopeSummary, sign: 1 | -1): void {
    this.accounting.envelope(envelope, sign)
    if (sign === 1) this.envelopeIds.add(envelope.header.id, envelope.header.idBytes)
    else this.envelopeIds.delete(envelope.header.id, envelope.header.idBytes)
  }

  hasEnvelope(id: string): boolean {
    return this.envelopeIds.has(id)
  }

  hasReceipt(id: string): boolean {
    return this.receiptIds.has(id)
  }

  hasEnvelopeBytes(id: Uint8Array): boolean {
    return this.envelopeIds.hasBytes(id)
  }

  hasReceiptBytes(id: Uint8Array): boolean {
    return this.receiptIds.hasBytes(id)
  }

  envelopeDigest(): IdDigest {
    return this.digest
  }

  counts(): StoreCounts {
    return { ...this.accounting.counts }
  }

  relayBytesFrom(peer: string): number {
    return this.accounting.bytesFrom(peer)
  }

  relayBytesFor(tag: string): number {
    return this.accounting.bytesFor(tag)
  }

  holdsFor(tag: string): boolean {
    return this.accounting.holdsFor(tag)
  }
}
