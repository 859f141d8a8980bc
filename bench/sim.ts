import { join } from 'node:path'
import type { Benchmark } from './benchmark.ts'
import { runWorkload } from './child.ts'
import { megabytes, met, table, whole } from './format.ts'
import type { Progress } from './progress.ts'
import type { SimCase, SimCaseFigures, SimCaseMessage } from './sim-figures.ts'
import { oneNumber } from '../sim/src/message-stats.ts'

/** dist/bench/sim.js reads the scenarios from the source tree. */
const SCENARIOS = join(import.meta.dirname, '..', '..', 'sim', 'scenarios')

const CHILD = join(import.meta.dirname, 'sim-case.js')

/** A scenario that has not finished by then has failed the benchmark. */
const CASE_TIMEOUT_MS = 30 * 60 * 1000

/** The aims: the 100-node reference ten times faster than the ONE's 15 s, the unconstrained one a hundred times faster than its 24 min. */
const AIM_REFERENCE_SECONDS = 1.5
const AIM_UNCONSTRAINED_SECONDS = 15
/** 10,000 nodes over 7 simulated days. */
const AIM_WEEK_SECONDS = 5 * 60
const AIM_WEEK_BYTES = 4e9

const WEEK_SECONDS = 7 * 24 * 3600
/** Per node over the week: the 10,000-node week has 1,000,000 contacts and 100,000 messages. */
const CONTACTS_PER_NODE = 200
const MESSAGES_PER_NODE = 10

interface Case extends SimCase {
  label: string
}

/** Generated spray-and-wait weeks of growing size: contacts per node and messages per node held steady. */
function week(nodes: number): Case {
  // Each node meets each other node at rate 1 / interval: CONTACTS_PER_NODE in the week in all.
  const contactIntervalHours = ((nodes - 1) * WEEK_SECONDS) / CONTACTS_PER_NODE / 3600
  const messageInterval = WEEK_SECONDS / (nodes * MESSAGES_PER_NODE)
  return {
    label: `generated, ${whole(nodes)} nodes, 7 days, spray and wait`,
    flags: {
      name: `week-${nodes}`,
      nodes,
      end: '7d',
      contacts: 'poisson',
      contact_interval: `${contactIntervalHours}h`,
      contact_duration: '120s',
      messages: 'generate',
      message_interval: `${messageInterval}-${messageInterval}`,
      message_size: '500k-1M',
      bandwidth: '250k',
      buffer: '5M',
      ttl: '300m',
      strategy: 'spray-and-wait',
      receipts: false
    }
  }
}

const REFERENCE_SAW = 'reference, spray and wait'
const REFERENCE_UNCONSTRAINED = 'reference, unconstrained epidemic'
const WEEK_10K = week(10_000)

const CASES: Case[] = [
  { label: REFERENCE_SAW, file: join(SCENARIOS, 'reference-spray-and-wait.toml'), flags: {} },
  { label: 'reference, epidemic', file: join(SCENARIOS, 'reference-epidemic.toml'), flags: {} },
  { label: REFERENCE_UNCONSTRAINED, file: join(SCENARIOS, 'reference-unconstrained.toml'), flags: {} },
  week(100),
  week(1000),
  WEEK_10K
]

/** The simulator on the reference scenarios and on generated weeks of growing size, each in its own process. */
export const simulator: Benchmark = {
  name: 'simulator',
  async run(progress: Progress): Promise<string> {
    const results = new Map<string, SimCaseFigures>()
    for (const simCase of CASES) {
      progress.step(simCase.label)
      results.set(simCase.label, await runCase(simCase, progress))
    }
    progress.endLine()
    const rows = CASES.map(({ label }) => {
      const figures = results.get(label)
      if (figures === undefined) throw new Error(`no figures for ${label}`)
      return [
        label,
        whole(figures.contacts),
        whole(figures.messages),
        whole(figures.events),
        `${figures.seconds.toFixed(2)} s`,
        whole(figures.events / figures.seconds),
        oneNumber(figures.deliveryProb),
        megabytes(figures.peakRssBytes)
      ]
    })
    return [
      '## Simulator',
      '',
      'Method: each `qpq-sim` scenario runs in a fresh process of its own (single core, cold start), timing',
      '`runScenario` (the simulation and its oracle, not reading or generating the trace). Peak RSS is that',
      "process's high-water mark (VmHWM). The reference scenarios are the ONE's 100-node, 24-hour trace",
      "(`sim/scenarios/`); the generated weeks hold each node's rates steady as the node count grows",
      `(${CONTACTS_PER_NODE} contacts and ${MESSAGES_PER_NODE} messages per node over 7 days, so the`,
      "10,000-node week is the issue's 1,000,000 contacts and 100,000 messages).",
      '',
      table(
        ['scenario', 'contacts', 'messages', 'events', 'wall time', 'events/s', 'delivery_prob', 'peak RSS'],
        rows
      ),
      '',
      aims(results)
    ].join('\n')
  }
}

/** Runs one scenario in its own process and relays its progress; resolves with its figures. */
function runCase({ file, flags }: SimCase, progress: Progress): Promise<SimCaseFigures> {
  return runWorkload<SimCaseMessage>(
    [CHILD, JSON.stringify({ file, flags })],
    { timeoutMs: CASE_TIMEOUT_MS, what: 'the scenario' },
    (message) => {
      progress.update(message.update)
    }
  )
}

function aims(results: Map<string, SimCaseFigures>): string {
  const seconds = (label: string): number => results.get(label)?.seconds ?? Infinity
  const peak = results.get(WEEK_10K.label)?.peakRssBytes
  return table(
    ['aim', 'met'],
    [
      [
        `reference spray and wait under ${AIM_REFERENCE_SECONDS} s (ten times faster than the ONE)`,
        met(seconds(REFERENCE_SAW) < AIM_REFERENCE_SECONDS)
      ],
      [
        `reference unconstrained epidemic under ${AIM_UNCONSTRAINED_SECONDS} s (a hundred times faster than the ONE)`,
        met(seconds(REFERENCE_UNCONSTRAINED) < AIM_UNCONSTRAINED_SECONDS)
      ],
      [
        `10,000 nodes, 7 days under ${AIM_WEEK_SECONDS / 60} minutes`,
        met(seconds(WEEK_10K.label) < AIM_WEEK_SECONDS)
      ],
      [
        `10,000 nodes, 7 days under ${AIM_WEEK_BYTES / 1e9} GB`,
        met(peak === undefined ? undefined : peak < AIM_WEEK_BYTES)
      ]
    ]
  )
}
