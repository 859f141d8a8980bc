import type { StoredReceipt } from '../queue/index.ts'

interface Hint {
  receipt: StoredReceipt
  peer: string
}

/**
 * Receipts this node could not verify, because it holds no copy of their
 * envelopes: kept in memory only, as hints for the peers that do hold one,
 * never as proof. Bounded per peer and in total; the oldest make way.
 */
export class ReceiptHints {
  /** In the order they came: the first is the oldest. */
  private readonly hints = new Map<string, Hint>()
  /** Each peer's hints, oldest first. */
  private readonly byPeer = new Map<string, Set<string>>()

  constructor(
    private readonly maxPerPeer: number,
    private readonly maxTotal: number
  ) {}

  get size(): number {
    return this.hints.size
  }

  get(id: string): StoredReceipt | undefined {
    return this.hints.get(id)?.receipt
  }

  /** Keeps a hint from `peer`, unless one for its id is kept already; how many older ones made way. */
  add(peer: string, receipt: StoredReceipt): number {
    if (this.hints.has(receipt.id)) return 0
    let evicted = 0
    const own = this.byPeer.get(peer) ?? new Set<string>()
    while (own.size >= this.maxPerPeer && this.evict(first(own))) evicted++
    while (this.hints.size >= this.maxTotal && this.evict(first(this.hints.keys()))) evicted++
    this.hints.set(receipt.id, { receipt, peer })
    own.add(receipt.id)
    this.byPeer.set(peer, own)
    return evicted
  }

  delete(id: string): void {
    this.evict(id)
  }

  private evict(id: string | undefined): boolean {
    if (id === undefined) return false
    const hint = this.hints.get(id)
    if (hint === undefined) return false
    this.hints.delete(id)
    const own = this.byPeer.get(hint.peer)
    own?.delete(id)
    if (own?.size === 0) this.byPeer.delete(hint.peer)
    return true
  }
}

function first(ids: Iterable<string>): string | undefined {
  for (const id of ids) return id
  return undefined
}
