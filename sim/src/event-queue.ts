/**
 * A priority queue of timed events: earliest time first, and among equal times the order of scheduling,
 * so a run is deterministic. Events scheduled for the instant being run (frames without latency: most of
 * a run's events) wait in a plain first-in-first-out lane; the rest in a binary heap. Those in the heap
 * for that instant were scheduled before it began, so they go first.
 */
export class EventQueue<T> {
  private readonly times: number[] = []
  private readonly seqs: number[] = []
  private readonly items: T[] = []
  private seq = 0
  /** The instant being run: the last time begun, or popped from the heap. */
  private current = -Infinity
  private readonly lane: T[] = []
  private laneHead = 0

  get size(): number {
    return this.items.length + this.lane.length - this.laneHead
  }

  push(time: number, item: T): void {
    if (time === this.current) {
      this.lane.push(item)
      return
    }
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

  /**
   * The loop runs events of `time` now, some not from this queue: those pushed for it from here on go
   * after those already queued for it. Only once the events of an earlier instant are all out.
   */
  begin(time: number): void {
    if (time === this.current) return
    if (this.laneHead < this.lane.length) {
      throw new RangeError(`events of ${this.current} are still queued; cannot begin ${time}`)
    }
    this.current = time
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.laneHead < this.lane.length ? this.current : (this.times[0] ?? Infinity)
  }

  pop(): T | undefined {
    if (this.laneHead < this.lane.length && (this.times[0] ?? Infinity) > this.current) return this.popLane()
    return this.popHeap()
  }

  private popLane(): T {
    const item = this.lane[this.laneHead] as T
    this.lane[this.laneHead++] = undefined as T
    if (this.laneHead === this.lane.length) {
      this.lane.length = 0
      this.laneHead = 0
    }
    return item
  }

  private popHeap(): T | undefined {
    const top = this.items[0]
    const last = this.items.length - 1
    if (last < 0) return undefined
    this.current = Math.max(this.current, this.times[0] as number)
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
