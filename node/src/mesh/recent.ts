import type { StoreOp, StoredEnvelope } from '../queue/index.ts'

/** Content bytes of recently stored envelopes kept in memory: what neighbours request next is usually here. */
const RECENT_ENVELOPE_BYTES = 16 * 1024 * 1024

/**
 * The envelopes stored most recently, up to a byte budget: offers go out as
 * soon as an envelope is stored, so the requests that follow are served
 * without reading the content back from disk. Memory stays bounded.
 */
export class RecentEnvelopes {
  private readonly envelopes = new Map<string, StoredEnvelope>()
  private bytes = 0

  constructor(private readonly maxBytes = RECENT_ENVELOPE_BYTES) {}

  get(id: string): StoredEnvelope | undefined {
    return this.envelopes.get(id)
  }

  /** Follows a committed batch of store ops. */
  committed(ops: StoreOp[]): void {
    for (const op of ops) {
      if (op.op === 'put-envelope') this.add(op.envelope)
      else if (op.op === 'delete-envelope') this.remove(op.envelope.header.id)
    }
  }

  private add(envelope: StoredEnvelope): void {
    this.remove(envelope.header.id)
    this.envelopes.set(envelope.header.id, envelope)
    this.bytes += envelope.content.length
    for (const [id] of this.envelopes) {
      if (this.bytes <= this.maxBytes) break
      this.remove(id)
    }
  }

  private remove(id: string): void {
    const envelope = this.envelopes.get(id)
    if (envelope === undefined) return
    this.envelopes.delete(id)
    this.bytes -= envelope.content.length
  }
}
