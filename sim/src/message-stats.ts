/** The counts and samples behind the ONE's MessageStatsReport (keys and definitions as the ONE's). */
export interface MessageStats {
  created: number
  started: number
  relayed: number
  aborted: number
  dropped: number
  removed: number
  delivered: number
  /** Delivery time minus creation time, per delivered message, in seconds. */
  latencies: number[]
  /** Hops of the delivered copy, per delivered message. */
  hopCounts: number[]
  /** Time each deleted copy spent in its buffer, in seconds. */
  bufferTimes: number[]
}

export function emptyStats(): MessageStats {
  return {
    created: 0,
    started: 0,
    relayed: 0,
    aborted: 0,
    dropped: 0,
    removed: 0,
    delivered: 0,
    latencies: [],
    hopCounts: [],
    bufferTimes: []
  }
}

/** The ONE's number format: four decimals, NaN as `NaN`. */
export function oneNumber(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value.toFixed(4)
}

export function average(values: readonly number[]): number {
  if (values.length === 0) return NaN
  let sum = 0
  for (const value of values) sum += value
  return sum / values.length
}

/** The upper median, `sorted[n/2]`, as the ONE takes it. */
function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

/** The derived figures of the report, by key, in the ONE's order. */
export function reportValues(stats: MessageStats): [string, number, 'int' | 'real'][] {
  const hopMedian = median(stats.hopCounts)
  return [
    ['created', stats.created, 'int'],
    ['started', stats.started, 'int'],
    ['relayed', stats.relayed, 'int'],
    ['aborted', stats.aborted, 'int'],
    ['dropped', stats.dropped, 'int'],
    ['removed', stats.removed, 'int'],
    ['delivered', stats.delivered, 'int'],
    ['delivery_prob', stats.created > 0 ? stats.delivered / stats.created : 0, 'real'],
    ['response_prob', 0, 'real'],
    [
      'overhead_ratio',
      stats.delivered > 0 ? (stats.relayed - stats.delivered) / stats.delivered : NaN,
      'real'
    ],
    ['latency_avg', average(stats.latencies), 'real'],
    ['latency_med', median(stats.latencies), 'real'],
    ['hopcount_avg', average(stats.hopCounts), 'real'],
    ['hopcount_med', Number.isNaN(hopMedian) ? 0 : hopMedian, 'int'],
    ['buffertime_avg', average(stats.bufferTimes), 'real'],
    ['buffertime_med', median(stats.bufferTimes), 'real'],
    ['rtt_avg', NaN, 'real'],
    ['rtt_med', NaN, 'real']
  ]
}

/** The report exactly as the ONE prints it. */
export function formatMessageStats(scenario: string, simTime: number, stats: MessageStats): string {
  const lines = [`Message stats for scenario ${scenario}`, `sim_time: ${oneNumber(simTime)}`]
  for (const [key, value, kind] of reportValues(stats)) {
    lines.push(`${key}: ${kind === 'int' ? String(value) : oneNumber(value)}`)
  }
  return `${lines.join('\n')}\n`
}

/** Reads a MessageStatsReport back into numbers by key. */
export function parseMessageStats(text: string): Map<string, number> {
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+): (\S+)$/.exec(line.trim())
    if (match?.[1] !== undefined && match[2] !== undefined) values.set(match[1], Number(match[2]))
  }
  return values
}
