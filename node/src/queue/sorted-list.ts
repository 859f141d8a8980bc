/** An array kept sorted by a comparator: binary-search insertion and removal, for in-memory indexes. */
export class SortedList<T> {
  private readonly items: T[] = []

  constructor(private readonly compare: (a: T, b: T) => number) {}

  insert(item: T): void {
    this.items.splice(this.firstAfter(item, false), 0, item)
  }

  /** Removes the item that compares equal to `item`, if any. */
  remove(item: T): void {
    const at = this.firstAfter(item, false)
    if (at < this.items.length && this.compare(this.items[at] as T, item) === 0) this.items.splice(at, 1)
  }

  /** A copy of up to `size` items after `after` (from the first when undefined), in order. */
  page(after: T | undefined, size: number): T[] {
    const from = after === undefined ? 0 : this.firstAfter(after, true)
    return this.items.slice(from, from + size)
  }

  /** The leading items for which `keep` holds. */
  takeWhile(keep: (item: T) => boolean): T[] {
    let end = 0
    while (end < this.items.length && keep(this.items[end] as T)) end++
    return this.items.slice(0, end)
  }

  /** Index of the first item greater than `item` (`strict`) or not less than it. */
  private firstAfter(item: T, strict: boolean): number {
    let low = 0
    let high = this.items.length
    while (low < high) {
      const mid = (low + high) >> 1
      const order = this.compare(this.items[mid] as T, item)
      if (order < 0 || (strict && order === 0)) low = mid + 1
      else high = mid
    }
    return low
  }
}
