import { SimInputError } from './errors.ts'

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  kiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }

/** A size in bytes: an integer with an optional k, M, G (powers of 1000) or kiB, MiB, GiB, as the ONE writes them. */
export function parseSize(text: string, what = 'size'): number {
  return parseWithUnit(text, SIZE_UNITS, what)
}

/** A bandwidth in bytes per second: a size, optionally followed by `/s` (`250k`, `250kB/s`, `1G`). */
export function parseBandwidth(text: string): number {
  return parseSize(text.replace(/B?\/s$/, ''), 'bandwidth')
}

/** A duration in seconds: a number with an optional s, m, h or d (`300m`, `24h`, `86400`). */
export function parseDuration(text: string, what = 'duration'): number {
  return parseWithUnit(text, DURATION_UNITS, what)
}

function parseWithUnit(text: string, units: Record<string, number>, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text.trim())
  const factor = units[match?.[2] ?? '-']
  if (match === null || factor === undefined) {
    throw new SimInputError(
      `${what} "${text}" is not a number with one of the units ${Object.keys(units).join(' ')}`
    )
  }
  return Number(match[1]) * factor
}
