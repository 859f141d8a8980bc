/**
 * A priority queue of timed events (a binary heap): earliest time first, and
 * among equal times the order of scheduling, so a run is deterministic.
 */
export class EventQueue<T> {
  private readonly times: number[] = []
  private readonly seqs: number[] = []
  private readonly items: T[] = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  push(time: number, item: T): void {
    let i = this.items.length
    this.times.push(time)
    this.seqs.push(this.seq++)
    this.items.push(item)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(i, parent)) break
      this.swap(i, parent)
      i = parent
    }
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.times[0] ?? Infinity
  }

  pop(): T | undefined {
    const top = this.items[0]
    const last = this.items.length - 1
    if (last < 0) return undefined
    this.swap(0, last)
    this.times.pop()
    this.seqs.pop()
    this.items.pop()
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let least = i
      if (left < last && this.before(left, least)) least = left
      if (right < last && this.before(right, least)) least = right
      if (least === i) break
      this.swap(i, least)
      i = least
    }
    return top
  }

  private before(a: number, b: number): boolean {
    const ta = this.times[a] ?? 0
    const tb = this.times[b] ?? 0
    return ta < tb || (ta === tb && (this.seqs[a] ?? 0) < (this.seqs[b] ?? 0))
  }

  private swap(a: number, b: number): void {
    swapIn(this.times, a, b)
    swapIn(this.seqs, a, b)
    swapIn(this.items, a, b)
  }
}

function swapIn(array: unknown[], a: number, b: number): void {
  const held = array[a]
  array[a] = array[b]
  array[b] = held
}
