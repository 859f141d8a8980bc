import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { parseMessageStats } from '../sim/src/message-stats.ts'
import { runScenario } from '../sim/src/run.ts'
import { loadScenario, settingsOf } from '../sim/src/scenario.ts'

const SCENARIOS = join(import.meta.dirname, '..', 'sim', 'scenarios')
const REFERENCE = join(import.meta.dirname, '..', 'sim', 'reference')

async function runReference(scenario: string): Promise<Record<string, number>> {
  const { keys, base } = await loadScenario(join(SCENARIOS, scenario), {})
  return (await runScenario(await settingsOf(keys, base))).messageStats
}

async function theOnes(report: string): Promise<Map<string, number>> {
  return parseMessageStats(await readFile(join(REFERENCE, report), 'utf8'))
}

function within(actual: number | undefined, expected: number | undefined, tolerance: number): void {
  if (actual === undefined || expected === undefined)
    expect.fail(`a figure is missing: ${actual} vs ${expected}`)
  expect(Math.abs(actual - expected) / expected, `${actual} vs ${expected}`).to.be.at.most(tolerance)
}

describe("calibration against the ONE's reference runs (100 nodes, 24 h)", function () {
  this.timeout(600_000)

  for (const [strategy, scenario, report] of [
    ['binary spray and wait, 6 copies', 'reference-spray-and-wait.toml', 'one-spray-and-wait.txt'],
    ['epidemic, buffers overflowing', 'reference-epidemic.toml', 'one-epidemic.txt']
  ] as const) {
    it(`${strategy}: delivery_prob and overhead_ratio within 10 %`, async () => {
      const ours = await runReference(scenario)
      const one = await theOnes(report)
      expect(ours.created).to.equal(one.get('created'))
      within(ours.delivery_prob, one.get('delivery_prob'), 0.1)
      within(ours.overhead_ratio, one.get('overhead_ratio'), 0.1)
    })
  }

  it('unconstrained epidemic: delivers what the oracle allows, within 1 % of the 2,843 the ONE delivers', async () => {
    const { keys, base } = await loadScenario(join(SCENARIOS, 'reference-unconstrained.toml'), {})
    const report = await runScenario(await settingsOf(keys, base))
    const one = await theOnes('one-epidemic-unconstrained.txt')
    expect(report.messageStats.delivered).to.equal(report.oracle.delivered)
    within(report.messageStats.delivered, one.get('delivered'), 0.01)
    within(report.messageStats.overhead_ratio, one.get('overhead_ratio'), 0.1)
  })
})
