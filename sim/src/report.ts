import type { SimSettings } from './simulator.ts'

/** One run's results, everything the reports show: report.json as written, and what html-report.ts draws from. */
export interface RunReport {
  scenario: string
  settings: Omit<SimSettings, 'trace'> & { contacts: number; messages: number }
  /** The ONE's MessageStatsReport keys and values. */
  messageStats: Record<string, number>
  oracle: { delivered: number; deliveryProb: number; latencyAvg: number }
  distributions: { latencies: number[]; hopCounts: number[]; bufferTimes: number[] }
  byPriority: Record<string, { created: number; delivered: number }>
  perNode: { sent: number[]; received: number[] }
  series: { time: number; delivered: number; oracleDelivered: number; bufferBytes: number }[]
  events: number
}
