import { countEnvelope, emptyCounts } from './counts.ts'
import type { InboxEntry, MeshStore, StoreCounts, StoredEnvelope, StoredReceipt, StoreOp } from './types.ts'

/** The mesh store in memory: for the simulator and tests. Same semantics as the LevelDB store. */
export class MemoryStore implements MeshStore {
  private readonly envelopeMap = new Map<string, StoredEnvelope>()
  private readonly receiptMap = new Map<string, StoredReceipt>()
  private readonly inboxEntries: InboxEntry[] = []
  private readonly current = emptyCounts()

  async open(): Promise<void> {
    // Nothing to open: the maps live as long as the object.
  }

  async close(): Promise<void> {
    // Nothing to close.
  }

  async apply(ops: StoreOp[]): Promise<void> {
    for (const op of ops) {
      switch (op.op) {
        case 'put-envelope':
          this.envelopeMap.set(op.envelope.header.id, op.envelope)
          countEnvelope(this.current, op.envelope, 1)
          break
        case 'delete-envelope':
          this.envelopeMap.delete(op.envelope.header.id)
          countEnvelope(this.current, op.envelope, -1)
          break
        case 'put-receipt':
          this.receiptMap.set(op.receipt.id, op.receipt)
          this.current.receipts++
          break
        case 'delete-receipt':
          this.receiptMap.delete(op.id)
          this.current.receipts--
          break
        case 'put-inbox':
          this.inboxEntries.push(op.entry)
          this.current.inbox++
          break
      }
    }
  }

  async getEnvelopes(ids: string[]): Promise<(StoredEnvelope | undefined)[]> {
    return ids.map((id) => this.envelopeMap.get(id))
  }

  async getReceipts(ids: string[]): Promise<(StoredReceipt | undefined)[]> {
    return ids.map((id) => this.receiptMap.get(id))
  }

  async *envelopes(): AsyncIterable<StoredEnvelope> {
    yield* [...this.envelopeMap.values()]
  }

  async *receipts(): AsyncIterable<StoredReceipt> {
    yield* [...this.receiptMap.values()]
  }

  async *inbox(): AsyncIterable<InboxEntry> {
    yield* [...this.inboxEntries].sort((a, b) => a.receivedAt - b.receivedAt)
  }

  counts(): StoreCounts {
    return { ...this.current }
  }
}
