/**
 * One scenario of the simulator benchmark, run by sim.ts as its own process (`node sim-case.js <case JSON>`),
 * so each gets a fresh heap, a cold start and its own peak RSS. Prints JSON lines: `{ update }` while it runs,
 * then `{ figures }`.
 */
import { memoryBytes } from './child.ts'
import type { SimCase, SimCaseFigures, SimCaseMessage } from './sim-figures.ts'
import { runScenario } from '../sim/src/run.ts'
import { loadScenario, settingsOf } from '../sim/src/scenario.ts'

function say(message: SimCaseMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

async function main(): Promise<void> {
  const { file, flags } = JSON.parse(process.argv[2] ?? '{}') as SimCase
  const { keys, base } = await loadScenario(file, flags)
  const settings = await settingsOf(keys, base)
  const started = performance.now()
  const report = await runScenario(settings, (time) => {
    say({ update: `${Math.round((100 * time) / settings.end)} % simulated` })
  })
  // performance.now() counts from the process's start (its time origin).
  const ended = performance.now()
  const figures: SimCaseFigures = {
    seconds: (ended - started) / 1000,
    processSeconds: ended / 1000,
    contacts: settings.trace.contacts.filter((contact) => contact.up).length,
    messages: settings.trace.messages.length,
    events: report.events,
    deliveryProb: report.messageStats.delivery_prob ?? NaN,
    peakRssBytes: await memoryBytes(process.pid, 'VmHWM')
  }
  say({ figures })
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err))
  process.exitCode = 1
})
