import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SingleBar } from 'cli-progress'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { SimInputError } from './errors.ts'
import { oneNumber } from './message-stats.ts'
import { oneReport, runScenario, writeReports } from './run.ts'
import type { RunReport } from './report.ts'
import { loadScenario, scenarioFlagTypes, settingsOf } from './scenario.ts'

const EXIT_USAGE = 2

/** Scenario keys that `run` also takes as flags (dashes for underscores). */
const KEY_FLAGS = Object.fromEntries(
  Object.entries(scenarioFlagTypes()).map(([key, type]) => [key.replaceAll('_', '-'), type])
)

const COMPARED = [
  'delivered',
  'delivery_prob',
  'overhead_ratio',
  'latency_avg',
  'hopcount_avg',
  'dropped',
  'aborted'
]

async function run(argv: Record<string, unknown>): Promise<void> {
  const flags: Record<string, unknown> = {}
  for (const flag of Object.keys(KEY_FLAGS)) {
    if (argv[flag] !== undefined) flags[flag.replaceAll('-', '_')] = argv[flag]
  }
  const file = typeof argv.scenario === 'string' ? argv.scenario : undefined
  const { keys, base } = await loadScenario(file, flags)
  const settings = await settingsOf(keys, base)
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'sim {bar} {percentage}% | {value}/{total} s simulated' })
    : undefined
  bar?.start(Math.round(settings.end), 0)
  const started = performance.now()
  const report = await runScenario(settings, (time) => bar?.update(Math.round(time)))
  bar?.update(Math.round(settings.end))
  bar?.stop()
  const seconds = (performance.now() - started) / 1000
  if (argv.report === 'json') console.log(JSON.stringify(report.messageStats))
  else process.stdout.write(oneReport(report))
  if (argv.report !== 'json') {
    console.log(`oracle_delivered: ${report.oracle.delivered} (${oneNumber(report.oracle.deliveryProb)})`)
  }
  if (typeof argv.out === 'string') await writeReports(report, argv.out)
  console.error(
    `${report.events} events in ${seconds.toFixed(2)} s (${Math.round(report.events / seconds)} events/s)`
  )
}

async function compare(dirs: string[]): Promise<void> {
  const reports: RunReport[] = []
  for (const dir of dirs) {
    try {
      reports.push(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport)
    } catch (err) {
      throw new SimInputError(`cannot read ${join(dir, 'report.json')}: ${(err as Error).message}`)
    }
  }
  const rows = [
    ['', ...dirs],
    ['strategy', ...reports.map((report) => report.settings.strategy.name)],
    ...COMPARED.map((key) => [key, ...reports.map((report) => show(report.messageStats[key]))]),
    ['oracle_delivered', ...reports.map((report) => String(report.oracle.delivered))]
  ]
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? []
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '))
}

function show(value: number | string | undefined): string {
  if (typeof value !== 'number') return value ?? ''
  return Number.isInteger(value) ? String(value) : oneNumber(value)
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('qpq-sim')
    .usage(
      '$0 <command> [options]\n\nDiscrete-event simulator running the qpq-node engine (see sim/README.md).'
    )
    .command(
      'run [scenario]',
      'run a scenario file; every scenario key can be given as a flag too',
      (command) => {
        let withKeys = command
          .positional('scenario', { type: 'string', describe: 'scenario file (TOML, see sim/scenarios/)' })
          .option('out', {
            type: 'string',
            describe: 'folder for message-stats.txt, report.json, series.csv'
          })
          .option('report', { choices: ['one', 'json'], default: 'one', describe: 'what to print' })
        for (const [flag, type] of Object.entries(KEY_FLAGS)) {
          withKeys = withKeys.option(flag, { type, describe: `scenario key ${flag.replaceAll('-', '_')}` })
        }
        return withKeys
      },
      (argv) => run(argv)
    )
    .command(
      'compare <dirs..>',
      'compare the reports of several runs side by side',
      (command) => command.positional('dirs', { type: 'string', array: true, demandOption: true }),
      (argv) => compare(argv.dirs)
    )
    .demandCommand(1)
    .strict()
    .fail((message: string | null, err: Error | undefined) => {
      if (err instanceof SimInputError) console.error(`qpq-sim: ${err.message}`)
      else if (err !== undefined) console.error(`qpq-sim: ${err.stack ?? err.message}`)
      else console.error(`qpq-sim: ${message ?? 'bad arguments'}`)
      process.exit(err === undefined || err instanceof SimInputError ? EXIT_USAGE : 1)
    })
    .parseAsync()
}

await main()
