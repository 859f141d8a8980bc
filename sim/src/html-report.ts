import * as Plot from '@observablehq/plot'
import { parseHTML } from 'linkedom'
import { oneNumber } from './message-stats.ts'
import type { RunReport } from './report.ts'

const WIDTH = 720
const HEIGHT = 280

/**
 * Plot's types name the DOM lib's Document and SVGElement, which this
 * project does not load (no DOM in Node); linkedom supplies the objects.
 */
const plot = Plot.plot as unknown as (options: Plot.PlotOptions & { document: unknown }) => {
  outerHTML: string
}

/** One chart as SVG markup, drawn by Observable Plot on a server-side DOM. */
function chart(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>') as unknown as {
    document: unknown
  }
  return plot({ document, width: WIDTH, height: HEIGHT, grid: true, ...options }).outerHTML
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * A self-contained HTML page (no script, no server) with the run's
 * MessageStats and SVG charts: delivery ratio over time against the oracle,
 * latency CDF, buffer occupancy, delivery by priority class, per-node load.
 */
export function htmlReport(report: RunReport): string {
  const created = Math.max(1, report.settings.messages)
  const ratio = report.series.flatMap(({ time, delivered, oracleDelivered }) => [
    { hours: time / 3600, ratio: delivered / created, run: 'this run' },
    { hours: time / 3600, ratio: oracleDelivered / created, run: 'oracle' }
  ])
  const latencies = [...report.distributions.latencies].sort((a, b) => a - b)
  const cdf = latencies.map((latency, i) => ({ minutes: latency / 60, share: (i + 1) / latencies.length }))
  const buffer = report.series.map(({ time, bufferBytes }) => ({
    hours: time / 3600,
    megabytes: bufferBytes / 1e6
  }))
  const priorities = Object.entries(report.byPriority).map(([priority, { created: made, delivered }]) => ({
    priority,
    ratio: made > 0 ? delivered / made : 0
  }))
  const load = report.perNode.sent.flatMap((sent, node) => [
    { node, transfers: sent, direction: 'sent' },
    { node, transfers: report.perNode.received[node] ?? 0, direction: 'received' }
  ])
  const sections: [string, string][] = [
    [
      'Delivery ratio over time',
      chart({
        x: { label: 'hours' },
        y: { label: 'delivered / created', domain: [0, 1] },
        color: { legend: true },
        marks: [Plot.lineY(ratio, { x: 'hours', y: 'ratio', stroke: 'run' })]
      })
    ],
    [
      'Latency CDF',
      cdf.length === 0
        ? '<p>No message was delivered.</p>'
        : chart({
            x: { label: 'latency (minutes)' },
            y: { label: 'share of delivered messages', domain: [0, 1] },
            marks: [Plot.lineY(cdf, { x: 'minutes', y: 'share', curve: 'step-after' })]
          })
    ],
    [
      'Buffer occupancy (all nodes)',
      chart({
        x: { label: 'hours' },
        y: { label: 'MB buffered' },
        marks: [
          Plot.areaY(buffer, { x: 'hours', y: 'megabytes', fillOpacity: 0.3 }),
          Plot.lineY(buffer, { x: 'hours', y: 'megabytes' })
        ]
      })
    ],
    [
      'Delivery by priority class',
      chart({
        x: { label: 'priority' },
        y: { label: 'delivered / created', domain: [0, 1] },
        marks: [Plot.barY(priorities, { x: 'priority', y: 'ratio' }), Plot.ruleY([0])]
      })
    ],
    [
      'Per-node load (transfers completed)',
      chart({
        x: { label: 'node', ticks: [] },
        y: { label: 'transfers' },
        color: { legend: true },
        marks: [Plot.barY(load, { x: 'node', y: 'transfers', fill: 'direction' }), Plot.ruleY([0])]
      })
    ]
  ]
  const stats = Object.entries(report.messageStats)
    .map(
      ([key, value]) =>
        `<tr><th>${key}</th><td>${Number.isInteger(value) ? value : oneNumber(value)}</td></tr>`
    )
    .join('')
  const title = `qpq-sim: ${escape(report.scenario)}`
  return [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${title}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;padding:0 1em}',
    'table{border-collapse:collapse}th,td{padding:2px 12px;text-align:left}th{font-weight:normal;color:#555}</style>',
    `</head><body><h1>${title}</h1>`,
    `<p>Strategy ${escape(report.settings.strategy.name)}, ${report.settings.nodes} nodes, ${report.settings.contacts} contact events, ${report.settings.messages} messages; oracle: ${report.oracle.delivered} deliverable.</p>`,
    `<h2>MessageStats</h2><table>${stats}</table>`,
    ...sections.map(([heading, body]) => `<h2>${heading}</h2>${body}`),
    '</body></html>',
    ''
  ].join('\n')
}
