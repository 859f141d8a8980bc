import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { average, formatMessageStats, reportValues } from './message-stats.ts'
import { oracle } from './oracle.ts'
import { Simulator } from './simulator.ts'
import type { SimObserver, SimSettings } from './simulator.ts'
import type { RunReport } from './report.ts'

/** Points of the CSV time series over a run. */
const SERIES_POINTS = 100

/** Runs a scenario and gathers everything the reports show. */
export async function runScenario(
  settings: SimSettings,
  onProgress?: (time: number) => void
): Promise<RunReport> {
  const sent = new Array<number>(settings.nodes).fill(0)
  const received = new Array<number>(settings.nodes).fill(0)
  const bufferByNode = new Array<number>(settings.nodes).fill(0)
  const step = settings.end / SERIES_POINTS
  const bufferSeries = new Array<number>(SERIES_POINTS + 1).fill(0)
  let bufferTotal = 0
  let lastSample = 0
  const observer: SimObserver = {
    transfer(from, to, _time, outcome) {
      if (outcome !== 'relayed') return
      sent[from] = (sent[from] ?? 0) + 1
      received[to] = (received[to] ?? 0) + 1
    },
    buffer(node, time, bytes) {
      for (; lastSample * step <= time && lastSample <= SERIES_POINTS; lastSample++)
        bufferSeries[lastSample] = bufferTotal
      bufferTotal += bytes - (bufferByNode[node] ?? 0)
      bufferByNode[node] = bytes
    },
    ...(onProgress === undefined ? {} : { progress: onProgress })
  }
  const result = await new Simulator(settings, observer).run()
  for (; lastSample <= SERIES_POINTS; lastSample++) bufferSeries[lastSample] = bufferTotal
  const bound = oracle(settings.trace, settings.nodes, settings.ttl, settings.end)
  const byPriority: RunReport['byPriority'] = {}
  result.messages.forEach((message, i) => {
    const entry = (byPriority[message.event.priority] ??= { created: 0, delivered: 0 })
    entry.created++
    if (result.deliveredAt[i] !== undefined) entry.delivered++
  })
  const oracleLatencies = bound.deliveredAt.flatMap((time, i) =>
    time === undefined ? [] : [time - (settings.trace.messages[i]?.time ?? 0)]
  )
  const { trace, ...rest } = settings
  return {
    scenario: settings.name,
    settings: { ...rest, contacts: trace.contacts.length, messages: trace.messages.length },
    messageStats: Object.fromEntries(reportValues(result.stats).map(([key, value]) => [key, value])),
    oracle: {
      delivered: bound.delivered,
      deliveryProb: trace.messages.length > 0 ? bound.delivered / trace.messages.length : 0,
      latencyAvg: average(oracleLatencies)
    },
    distributions: {
      latencies: result.stats.latencies,
      hopCounts: result.stats.hopCounts,
      bufferTimes: result.stats.bufferTimes
    },
    byPriority,
    perNode: { sent, received },
    series: bufferSeries.map((bufferBytes, i) => ({
      time: i * step,
      delivered: countUpTo(result.deliveredAt, i * step),
      oracleDelivered: countUpTo(bound.deliveredAt, i * step),
      bufferBytes
    })),
    events: result.events
  }
}

function countUpTo(times: readonly (number | undefined)[], until: number): number {
  let count = 0
  for (const time of times) if (time !== undefined && time <= until) count++
  return count
}

/** The ONE's MessageStatsReport of a run, with the oracle's bound on a last line the ONE does not print. */
export function oneReport(report: RunReport): string {
  const { messageStats } = report
  const stats = {
    created: messageStats.created ?? 0,
    started: messageStats.started ?? 0,
    relayed: messageStats.relayed ?? 0,
    aborted: messageStats.aborted ?? 0,
    dropped: messageStats.dropped ?? 0,
    removed: messageStats.removed ?? 0,
    delivered: messageStats.delivered ?? 0,
    latencies: report.distributions.latencies,
    hopCounts: report.distributions.hopCounts,
    bufferTimes: report.distributions.bufferTimes
  }
  return formatMessageStats(report.scenario, report.settings.end, stats)
}

/** Writes message-stats.txt (the ONE's format), report.json, series.csv and report.html into `dir`. */
export async function writeReports(report: RunReport, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const json = JSON.stringify(report, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value
  )
  const csv = [
    'time,delivered,oracle_delivered,delivery_ratio,buffer_bytes',
    ...report.series.map(
      ({ time, delivered, oracleDelivered, bufferBytes }) =>
        `${time},${delivered},${oracleDelivered},${(delivered / Math.max(1, report.settings.messages)).toFixed(6)},${bufferBytes}`
    )
  ].join('\n')
  await writeFile(join(dir, 'message-stats.txt'), oneReport(report))
  await writeFile(join(dir, 'report.json'), `${json}\n`)
  await writeFile(join(dir, 'series.csv'), `${csv}\n`)
  // Loaded only here: the charting libraries take longer to load than a small scenario takes to run.
  const { htmlReport } = await import('./html-report.ts')
  await writeFile(join(dir, 'report.html'), htmlReport(report))
}
