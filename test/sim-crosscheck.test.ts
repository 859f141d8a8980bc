import { join } from 'node:path'
import { expect } from 'chai'
import type { Daemon, InboxPage } from '../node/src/daemon/index.ts'
import { encodeAddress } from '../node/src/identity/index.ts'
import { oracle } from '../sim/src/oracle.ts'
import { loadScenario, settingsOf } from '../sim/src/scenario.ts'
import { Simulator } from '../sim/src/simulator.ts'
import type { SimSettings } from '../sim/src/simulator.ts'
import { TestFolders } from './helpers/daemons.ts'
import { control, MemoryDaemons } from './helpers/memory-daemons.ts'
import { replayPlan } from './helpers/plan-replay.ts'

const SCENARIO = join(import.meta.dirname, '..', 'sim', 'scenarios', 'crosscheck.toml')

const folders = new TestFolders()
const memory = new MemoryDaemons(folders)
after(async () => {
  try {
    await memory.stopAll()
  } finally {
    await folders.removeAll()
  }
})

/** Message ids (the trace's) delivered at their destinations; a message found anywhere else is an error. */
async function daemonDeliveries(daemons: Daemon[], settings: SimSettings): Promise<Set<string>> {
  const { messages } = settings.trace
  const delivered = new Set<string>()
  for (const [node, daemon] of daemons.entries()) {
    const page = await control<InboxPage>(daemon, 'inbox')
    expect(page.next, 'one inbox page holds every message').to.equal(undefined)
    for (const { text, from } of page.messages) {
      const message = messages.find(({ id }) => id === text)
      expect(message?.to, `${text} in the inbox of node ${node}`).to.equal(node)
      const source = daemons[message?.from ?? -1]
      expect(from, `the sender of ${text}`).to.equal(source && encodeAddress(source.user.publicKey))
      expect(delivered.has(text), `${text} delivered twice`).to.equal(false)
      delivered.add(text)
    }
    expect(daemon.stats.delivered, `engine deliveries at node ${node}`).to.equal(page.messages.length)
  }
  return delivered
}

/** What one set holds that the other lacks, both ways, for a failure message. */
function difference(names: [string, string], a: ReadonlySet<string>, b: ReadonlySet<string>): string {
  const only = (x: ReadonlySet<string>, y: ReadonlySet<string>): string =>
    [...x].filter((id) => !y.has(id)).join(' ') || 'none'
  return `delivered by the ${names[0]} only: ${only(a, b)}; by the ${names[1]} only: ${only(b, a)}`
}

function sorted(ids: ReadonlySet<string>): string[] {
  return [...ids].sort()
}

describe('cross-check with the real stack', () => {
  it('real daemons over libp2p deliver the same messages as the simulator and its oracle', async function () {
    this.timeout(240_000)
    const { keys, base } = await loadScenario(SCENARIO, {})
    const settings = await settingsOf(keys, base)
    const { messages } = settings.trace
    // What makes the delivered set depend on the order of events alone, which the replay keeps.
    expect(settings).to.include({ bandwidth: Infinity, buffer: Infinity, latency: 0, receipts: true })
    expect(settings.ttl, 'no message expires in the run').to.be.greaterThan(settings.end)
    const simulated = await new Simulator(settings).run()
    const ids = (times: readonly (number | undefined)[]): Set<string> =>
      new Set(messages.flatMap(({ id }, i) => (times[i] === undefined ? [] : [id])))
    const bySimulator = ids(simulated.deliveredAt)
    const byOracle = ids(oracle(settings.trace, settings.nodes, settings.ttl, settings.end).deliveredAt)
    expect(bySimulator.size, 'some messages delivered, some not').to.be.within(1, messages.length - 1)
    expect(sorted(bySimulator), difference(['simulator', 'oracle'], bySimulator, byOracle)).to.deep.equal(
      sorted(byOracle)
    )

    const daemons: Daemon[] = []
    for (let i = 0; i < settings.nodes; i++)
      daemons.push(await memory.start(`crosscheck-${i}`, { strategy: keys.strategy }))
    await replayPlan(daemons, settings.trace, settings.end)
    const byDaemons = await daemonDeliveries(daemons, settings)
    expect(sorted(byDaemons), difference(['daemons', 'simulator'], byDaemons, bySimulator)).to.deep.equal(
      sorted(bySimulator)
    )
  })
})
