import { join } from 'node:path'
import type { Benchmark } from './benchmark.ts'
import { memoryBytes } from './child.ts'
import { megabytes, met, table, whole } from './format.ts'
import type { Progress } from './progress.ts'
import { oneNumber } from '../sim/src/message-stats.ts'
import { runScenario } from '../sim/src/run.ts'
import { loadScenario, settingsOf } from '../sim/src/scenario.ts'

/** dist/bench/sim.js reads the scenarios from the source tree. */
const SCENARIOS = join(import.meta.dirname, '..', '..', 'sim', 'scenarios')

/** The aims: the 100-node reference ten times faster than the ONE's 15 s, the unconstrained one a hundred times faster than its 24 min. */
const AIM_REFERENCE_SECONDS = 1.5
const AIM_UNCONSTRAINED_SECONDS = 15

interface Case {
  label: string
  file?: string
  flags: Record<string, unknown>
}

/** Generated spray-and-wait scenarios of growing size: contacts per node and messages per node held steady. */
function growing(nodes: number): Case {
  return {
    label: `generated, ${whole(nodes)} nodes, 6 h, spray and wait`,
    flags: {
      name: `poisson-${nodes}`,
      nodes,
      end: '6h',
      contacts: 'poisson',
      contact_interval: `${Math.round((nodes * 12) / 100)}h`,
      contact_duration: '120s',
      messages: 'generate',
      message_interval: `${(30 * 100) / nodes}-${(30 * 100) / nodes}`,
      message_size: '500k-1M',
      bandwidth: '250k',
      buffer: '5M',
      ttl: '300m',
      strategy: 'spray-and-wait',
      receipts: false
    }
  }
}

const CASES: Case[] = [
  { label: 'reference, spray and wait', file: 'reference-spray-and-wait.toml', flags: {} },
  { label: 'reference, epidemic', file: 'reference-epidemic.toml', flags: {} },
  { label: 'reference, unconstrained epidemic', file: 'reference-unconstrained.toml', flags: {} },
  growing(100),
  growing(300),
  growing(1000),
  growing(10_000)
]

/** The simulator on the reference scenarios and on generated ones of growing size, in this process. */
export const simulator: Benchmark = {
  name: 'simulator',
  async run(progress: Progress): Promise<string> {
    const rows: string[][] = []
    const seconds = new Map<string, number>()
    for (const { label, file, flags } of CASES) {
      progress.step(label)
      const { keys, base } = await loadScenario(file === undefined ? undefined : join(SCENARIOS, file), flags)
      const settings = await settingsOf(keys, base)
      const started = performance.now()
      const report = await runScenario(settings, (time) => {
        progress.update(`${Math.round((100 * time) / settings.end)} % simulated`)
      })
      const wall = (performance.now() - started) / 1000
      if (file !== undefined) seconds.set(file, wall)
      rows.push([
        label,
        whole(settings.trace.contacts.filter((contact) => contact.up).length),
        whole(settings.trace.messages.length),
        whole(report.events),
        `${wall.toFixed(2)} s`,
        whole(report.events / wall),
        oneNumber(report.messageStats.delivery_prob ?? NaN),
        megabytes(await memoryBytes(process.pid, 'VmHWM'))
      ])
    }
    progress.endLine()
    return [
      '## Simulator',
      '',
      'Method: `qpq-sim` scenarios run one after the other in the benchmark process (single core), timing',
      '`runScenario` (the simulation and its oracle, not reading the trace). The reference scenarios are the',
      "ONE's 100-node, 24-hour trace (`sim/scenarios/`); the generated ones keep each node's contact rate and",
      'message rate steady as the node count grows. Peak RSS is the process high-water mark so far (VmHWM),',
      "so it only grows down the table. The largest case is 10,000 nodes over 6 simulated hours; the issue's",
      '10,000 nodes over 7 days (about 1,000,000 contacts, 100,000 messages) is not run.',
      '',
      table(
        ['scenario', 'contacts', 'messages', 'events', 'wall time', 'events/s', 'delivery_prob', 'peak RSS'],
        rows
      ),
      '',
      aims(seconds)
    ].join('\n')
  }
}

function aims(seconds: Map<string, number>): string {
  const under = (file: string, aim: number): string => met((seconds.get(file) ?? Infinity) < aim)
  return table(
    ['aim', 'met'],
    [
      [
        `reference spray and wait under ${AIM_REFERENCE_SECONDS} s (ten times faster than the ONE)`,
        under('reference-spray-and-wait.toml', AIM_REFERENCE_SECONDS)
      ],
      [
        `reference unconstrained epidemic under ${AIM_UNCONSTRAINED_SECONDS} s (a hundred times faster than the ONE)`,
        under('reference-unconstrained.toml', AIM_UNCONSTRAINED_SECONDS)
      ]
    ]
  )
}
