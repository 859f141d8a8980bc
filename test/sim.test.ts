import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { EventQueue } from '../sim/src/event-queue.ts'
import { edgeContacts, generateTraffic, poissonContacts } from '../sim/src/generators.ts'
import { parseMessageStats } from '../sim/src/message-stats.ts'
import { parseOneEvents } from '../sim/src/one-events.ts'
import { oracle } from '../sim/src/oracle.ts'
import { Random } from '../sim/src/random.ts'
import { oneReport, runScenario, writeReports } from '../sim/src/run.ts'
import { loadScenario, settingsOf } from '../sim/src/scenario.ts'
import type { SimSettings } from '../sim/src/simulator.ts'
import { parseBandwidth, parseDuration, parseSize } from '../sim/src/units.ts'
import { SIM_SHEBANG } from '../sim/src/v8-flags.ts'
import { TestFolders } from './helpers/daemons.ts'

const run = promisify(execFile)
const SCENARIOS = join(import.meta.dirname, '..', 'sim', 'scenarios')
const CLI = join(import.meta.dirname, '..', 'sim', 'src', 'cli.ts')
const BIN_SOURCE = join(import.meta.dirname, '..', 'sim', 'src', 'bin.ts')
/** The bin as npm links it: built by `npm test`'s pretest. */
const BIN = join(import.meta.dirname, '..', 'dist', 'sim', 'src', 'bin.js')
const NODE = process.execPath

const folders = new TestFolders()
after(async () => {
  await folders.removeAll()
})

async function scenario(file: string, flags: Record<string, unknown> = {}): Promise<SimSettings> {
  const { keys, base } = await loadScenario(file === '' ? undefined : join(SCENARIOS, file), flags)
  return settingsOf(keys, base)
}

describe('simulator inputs', () => {
  it('reads sizes, bandwidths and durations with the units the ONE and the scenarios use', () => {
    expect(parseSize('250k')).to.equal(250_000)
    expect(parseSize('1M')).to.equal(1_000_000)
    expect(parseSize('2kiB')).to.equal(2048)
    expect(parseSize('1GiB')).to.equal(1024 ** 3)
    expect(parseSize('899866')).to.equal(899_866)
    expect(parseBandwidth('250kB/s')).to.equal(250_000)
    expect(parseDuration('300m')).to.equal(18_000)
    expect(parseDuration('24h')).to.equal(86_400)
    expect(() => parseSize('5 parsecs')).to.throw(/not a number with one of the units/)
  })

  it("reads the ONE's StandardEventsReader lines: hosts with letters, optional fields, comments", () => {
    const trace = parseOneEvents(
      ['# comment', '', '5 C T1 0 2 250k 1k', '10 CONN n0 n1 up wlan0', '12.5 CONN 0 1 down'].join('\n'),
      'inline'
    )
    expect(trace.messages).to.deep.equal([
      { time: 5, id: 'T1', from: 0, to: 2, size: 250_000, priority: 'normal' }
    ])
    expect(trace.contacts).to.deep.equal([
      { time: 10, a: 0, b: 1, up: true },
      { time: 12.5, a: 0, b: 1, up: false }
    ])
  })

  it('rejects malformed trace lines with the file and line', () => {
    expect(() => parseOneEvents('1 CONN 0 1 sideways', 'x.one')).to.throw(/x\.one:1: "sideways"/)
    expect(() => parseOneEvents('5 CONN 0 1 up\n4 CONN 0 1 down', 'x.one')).to.throw(
      /x\.one:2: time 4 goes back/
    )
    expect(() => parseOneEvents('1 DE 0 1', 'x.one')).to.throw(/x\.one:1: expected/)
    expect(() => parseOneEvents('1 C M1 a b 10', 'x.one')).to.throw(/not a host/)
  })

  it('generates pairwise Poisson contacts that alternate up and down, in time order', () => {
    const contacts = poissonContacts({
      nodes: 6,
      end: 50_000,
      meanInterval: 3600,
      meanDuration: 120,
      seed: 9
    })
    // Each of the 15 pairs meets about once per mean gap plus mean contact.
    const expected = (15 * 50_000) / (3600 + 120)
    expect(contacts.filter((contact) => contact.up).length).to.be.within(0.85 * expected, 1.15 * expected)
    const state = new Map<string, boolean>()
    let last = 0
    for (const { time, a, b, up } of contacts) {
      expect(time).to.be.at.least(last)
      last = time
      expect(state.get(`${a}-${b}`) ?? false).to.equal(!up)
      state.set(`${a}-${b}`, up)
    }
  })

  it('generates failing and recovering links of a static topology, all up at the start', () => {
    const contacts = edgeContacts({
      edges: [
        [0, 1],
        [1, 2]
      ],
      end: 36_000,
      meanUptime: 3600,
      meanDowntime: 600,
      seed: 2
    })
    expect(contacts.slice(0, 2).every((contact) => contact.time === 0 && contact.up)).to.equal(true)
    expect(contacts.filter((contact) => !contact.up).length).to.be.greaterThan(2)
  })

  it('generates traffic within its ranges and close to its priority mix', () => {
    const messages = generateTraffic({
      end: 100_000,
      interval: [10, 30],
      size: [1000, 2000],
      sources: [0, 4],
      destinations: [5, 9],
      priorities: [
        ['critical', 1],
        ['low', 3]
      ],
      seed: 5
    })
    expect(messages.length).to.be.within(4000, 6000)
    for (const { from, to, size } of messages) {
      expect(from).to.be.within(0, 4)
      expect(to).to.be.within(5, 9)
      expect(size).to.be.within(1000, 2000)
    }
    const critical = messages.filter((message) => message.priority === 'critical').length / messages.length
    expect(critical).to.be.within(0.2, 0.3)
  })

  it('names a bad scenario key and value', async () => {
    let error: Error | undefined
    try {
      await loadScenario(undefined, { contacts: 'x.one', messages: 'x.one', strategy: 'teleport' })
    } catch (err) {
      error = err as Error
    }
    expect(error?.message).to.match(/strategy: /)
  })
})

describe('simulator event queue', () => {
  it('gives events by time, and at one time in the order they were scheduled, whether for now or later', () => {
    const random = new Random(7)
    const queue = new EventQueue<number>()
    const scheduled: { time: number; seq: number }[] = []
    const popped: number[] = []
    let now = 0
    const schedule = (time: number): void => {
      queue.push(time, scheduled.length)
      scheduled.push({ time, seq: scheduled.length })
    }
    for (let i = 0; i < 2000; i++) {
      const roll = random.next()
      if (roll < 0.3) schedule(now)
      else if (roll < 0.5) schedule(now + random.int(1, 5))
      else if (roll < 0.6) {
        now += random.int(0, 2)
        if (queue.peekTime() < now) now = queue.peekTime()
        queue.begin(now)
      } else if (queue.size > 0) {
        now = queue.peekTime()
        popped.push(queue.pop() as number)
      }
    }
    while (queue.size > 0) popped.push(queue.pop() as number)
    const order = [...scheduled].sort((a, b) => a.time - b.time || a.seq - b.seq).map(({ seq }) => seq)
    expect(popped).to.deep.equal(order)
    queue.begin(now + 10)
    queue.push(now + 10, 0)
    expect(() => {
      queue.begin(now + 11)
    }).to.throw(RangeError)
  })
})

describe('simulator runs', () => {
  it('gives exactly the hand-worked numbers of the tiny example', async () => {
    const report = await runScenario(await scenario('tiny.toml'))
    const stats = parseMessageStats(oneReport(report))
    expect(Object.fromEntries(stats)).to.include({
      created: 2,
      started: 3,
      relayed: 2,
      aborted: 1,
      dropped: 0,
      removed: 0,
      delivered: 1,
      delivery_prob: 0.5,
      overhead_ratio: 1,
      latency_avg: 26,
      latency_med: 26,
      hopcount_avg: 2,
      hopcount_med: 2
    })
    expect(oneReport(report)).to.match(/^Message stats for scenario tiny\nsim_time: 100\.0000\ncreated: 2\n/)
  })

  it('gives byte-identical reports (JSON, CSV, HTML with five charts) for the same scenario and seed', async () => {
    const outputs: string[] = []
    const dirs: string[] = []
    for (const seed of [7, 7, 8]) {
      const dir = await folders.make('qpq-sim-')
      dirs.push(dir)
      await writeReports(await runScenario(await scenario('poisson-prophet.toml', { seed, end: '4h' })), dir)
      outputs.push(
        (await readFile(join(dir, 'report.json'), 'utf8')) +
          (await readFile(join(dir, 'series.csv'), 'utf8')) +
          (await readFile(join(dir, 'report.html'), 'utf8'))
      )
    }
    expect(outputs[0]).to.equal(outputs[1])
    const html = await readFile(join(dirs[0] ?? '', 'report.html'), 'utf8')
    expect(html.match(/<h2>/g)).to.have.length(6)
    expect(html.match(/<svg /g)?.length).to.be.at.least(5)
    expect(html).to.not.include('<script')
    expect(html).to.include('Latency CDF')
    expect(outputs[2]).to.not.equal(outputs[0])
  })

  it('epidemic with unlimited bandwidth and buffers delivers exactly what the oracle says', async () => {
    const settings = await scenario('', {
      nodes: 25,
      end: '12h',
      contacts: 'poisson',
      contact_interval: '6h',
      messages: 'generate',
      message_interval: '30-90',
      message_size: '1k-10k',
      bandwidth: 'unlimited',
      buffer: 'unlimited',
      ttl: '4h',
      strategy: 'epidemic',
      receipts: false
    })
    const report = await runScenario(settings)
    const bound = oracle(settings.trace, settings.nodes, settings.ttl, settings.end)
    expect(bound.delivered).to.be.greaterThan(50)
    expect(report.messageStats.delivered).to.equal(bound.delivered)
  })

  it('never beats the oracle, whatever the strategy', async () => {
    for (const strategy of ['spray-and-wait', 'prophet', 'direct-delivery', 'first-contact', 'default']) {
      const report = await runScenario(await scenario('poisson-prophet.toml', { strategy, end: '3h' }))
      expect(report.messageStats.delivered, strategy).to.be.at.most(report.oracle.delivered)
      expect(report.messageStats.delivered, strategy).to.be.greaterThan(0)
    }
  })

  it('drives links that fail and recover, with latency, and reports by priority and node', async () => {
    const report = await runScenario(await scenario('edges-spray.toml'))
    expect(report.messageStats.delivered).to.be.greaterThan(0)
    expect(report.perNode.sent.reduce((a, b) => a + b, 0)).to.equal(report.messageStats.relayed)
    expect(report.byPriority.normal?.created).to.equal(report.messageStats.created)
    expect(report.series.at(-1)?.delivered).to.equal(report.messageStats.delivered)
  })
})

describe('qpq-sim command line', () => {
  it('runs from flags alone and prints the MessageStatsReport and the oracle', async () => {
    const tiny = join(SCENARIOS, 'tiny-example.one')
    const { stdout } = await run(NODE, [
      '--import',
      'tsx',
      CLI,
      'run',
      '--contacts',
      tiny,
      '--messages',
      tiny,
      '--strategy',
      'epidemic',
      '--bandwidth',
      '250k',
      '--buffer',
      '5M',
      '--ttl',
      '300m',
      '--end',
      '100',
      '--no-receipts',
      '--report',
      'one'
    ])
    expect(stdout).to.include('delivered: 1\n')
    expect(stdout).to.include('aborted: 1\n')
    expect(stdout).to.include('oracle_delivered: 2 (1.0000)')
  })

  it('compares runs side by side', async () => {
    const dirs = [await folders.make('qpq-sim-a-'), await folders.make('qpq-sim-b-')]
    await writeReports(await runScenario(await scenario('tiny.toml')), dirs[0] ?? '')
    await writeReports(
      await runScenario(await scenario('tiny.toml', { strategy: 'direct-delivery' })),
      dirs[1] ?? ''
    )
    const { stdout } = await run(NODE, ['--import', 'tsx', CLI, 'compare', ...dirs])
    expect(stdout).to.match(/strategy\s+epidemic\s+direct-delivery/)
    expect(stdout).to.match(/delivered\s+1\s+0/)
  })

  it('runs as a bin with the V8 flags the benchmark measures it with', async () => {
    for (const file of [BIN_SOURCE, BIN]) {
      const [firstLine] = (await readFile(file, 'utf8')).split('\n')
      expect(firstLine, file).to.equal(SIM_SHEBANG)
    }
    // As a user runs it: npx runs the bin (made executable by the build) through its first line.
    const { stdout } = await run(
      'npx',
      ['--no', 'qpq-sim', 'run', join(SCENARIOS, 'tiny.toml'), '--report', 'one'],
      {
        cwd: join(import.meta.dirname, '..')
      }
    )
    expect(stdout).to.include('delivered: 1\n')
  })

  it('exits 2 with a message on a bad flag or scenario', async () => {
    for (const args of [
      ['run', '--copies', 'many'],
      ['run', '--contacts', 'missing.one', '--messages', 'missing.one']
    ]) {
      let failure: { code?: number; stderr?: string } = {}
      try {
        await run(NODE, ['--import', 'tsx', CLI, ...args])
      } catch (err) {
        failure = err as { code?: number; stderr?: string }
      }
      expect(failure.code, args.join(' ')).to.equal(2)
      expect(failure.stderr).to.match(/^qpq-sim: /)
    }
  })
})
