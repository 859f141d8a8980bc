/**
 * A value now, or a promise of it where I/O must be waited for: the memory
 * store answers at once, LevelDB later. The engine chains its steps through
 * the helpers below instead of `await`, which suspends even when a value is
 * already there: with the memory store, an event is then processed in one
 * synchronous call (measured in the simulator: a fifth of its time went to
 * suspending and resuming).
 */
export type Later<T> = T | Promise<T>

/** Items at once (the memory store) or as they stream from disk (LevelDB). */
export type Walk<T> = Iterable<T> | AsyncIterable<T>

/** Goes on with `next` once `value` is there: in the same call when it already is. */
export function then<T, U>(value: Later<T>, next: (value: T) => Later<U>): Later<U> {
  return value instanceof Promise ? value.then(next) : next(value)
}

/** Runs `step` on each item in order, each once the one before is done. */
export function forEach<T>(items: readonly T[], step: (item: T) => Later<void>, from = 0): Later<void> {
  for (let i = from; i < items.length; i++) {
    const done = step(items[i] as T)
    if (done instanceof Promise) return done.then(() => forEach(items, step, i + 1))
  }
  return undefined
}

/** Visits the items of a walk in order until `visit` returns true (stop); whether it stopped early. */
export function walk<T>(items: Walk<T>, visit: (item: T) => boolean): Later<boolean> {
  if (Symbol.iterator in items) {
    for (const item of items) if (visit(item)) return true
    return false
  }
  return walkAsync(items, visit)
}

async function walkAsync<T>(items: AsyncIterable<T>, visit: (item: T) => boolean): Promise<boolean> {
  for await (const item of items) if (visit(item)) return true
  return false
}
