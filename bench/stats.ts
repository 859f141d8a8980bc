export interface Distribution {
  p50: number
  p99: number
  max: number
}

/** Median, 99th percentile (nearest rank) and maximum of a non-empty list. */
export function distribution(values: number[]): Distribution {
  if (values.length === 0) throw new Error('no values to summarise')
  const sorted = values.toSorted((a, b) => a - b)
  const rank = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
  return { p50: rank(0.5), p99: rank(0.99), max: rank(1) }
}

/** Messages per second for `count` messages in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN
}
