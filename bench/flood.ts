import { DAEMON_V8_FLAGS } from '../node/src/cli/v8-flags.ts'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Benchmark } from './benchmark.ts'
import { OutputTail, stopChild } from './child.ts'
import type { DaemonProcess } from './daemon-process.ts'
import { measureDelivery } from './delivery.ts'
import type { DeliveryFigures, DeliveryOptions } from './delivery.ts'
import { megabytes, met, millis, table, whole } from './format.ts'
import type { Progress } from './progress.ts'
import { perSecond } from './stats.ts'

/** The hostile peer's script, built next to this one. */
const FLOODER = join(import.meta.dirname, 'flooder.js')

const HONEST: DeliveryOptions = { messages: 2_000, textBytes: 1024, window: 64, timeoutMs: 5 * 60_000 }

/** The aims: the honest rate under the flood at least this share of the quiet one; RSS below this. */
const AIM_RATE_SHARE = 0.5
const AIM_RSS_BYTES = 200_000_000

interface FloodFigures {
  frames: number
  bytes: number
  identities: number
}

/** The honest path A → B → C with and without a hostile peer flooding B, side by side in one run. */
export const flood: Benchmark = {
  name: 'flood',
  async run(progress: Progress): Promise<string> {
    progress.step('flood: the honest path alone')
    const quiet = await measureDelivery(HONEST, progress)
    progress.step('flood: the honest path while a hostile peer floods the relay')
    let attack: FloodFigures | undefined
    const flooded = await measureDelivery(
      {
        ...HONEST,
        alongside: async (relay) => {
          const flooder = await startFlooder(relay)
          return {
            stop: async () => {
              attack = await flooder.stop()
            }
          }
        }
      },
      progress
    )
    if (attack === undefined) throw new Error('the flooder did not report')
    return render(quiet, flooded, attack)
  }
}

async function startFlooder(relay: DaemonProcess): Promise<{ stop(): Promise<FloodFigures> }> {
  const child = spawn(process.execPath, [FLOODER, relay.quicAddress()], { stdio: ['ignore', 'pipe', 'pipe'] })
  const stderr = new OutputTail()
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk)
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async (): Promise<string> => {
    const line = await lines.next()
    if (line.done === true) throw new Error(`the flooder stopped:\n${stderr.toString()}`)
    return line.value
  }
  try {
    await next()
  } catch (err) {
    await stopChild(child)
    throw err
  }
  return {
    async stop(): Promise<FloodFigures> {
      const [report] = await Promise.all([next(), stopChild(child)])
      return JSON.parse(report) as FloodFigures
    }
  }
}

function render(quiet: DeliveryFigures, flooded: DeliveryFigures, attack: FloodFigures): string {
  const rate = (figures: DeliveryFigures): number => perSecond(figures.messages, figures.deliveredMs)
  const share = rate(flooded) / rate(quiet)
  const peak = Math.max(...[flooded.daemons.a, flooded.daemons.b, flooded.daemons.c].map(peakOf))
  const row = (name: string, figures: DeliveryFigures): string[] => [
    name,
    whole(rate(figures)),
    millis(figures.latency.p50),
    millis(figures.latency.p99),
    megabytes(figures.daemons.b.peakRss),
    millis(figures.slowestRelayStatusMs)
  ]
  return [
    '## Flood: an honest path while a hostile peer floods the relay',
    '',
    '### Method',
    '',
    `The delivery path's three daemons (A → B → C over QUIC on 127.0.0.1, B the relay, default configuration, ` +
      `system malloc, the bin's V8 flags \`${DAEMON_V8_FLAGS.join(' ')}\`), twice in one run: ${whole(HONEST.messages)} MLS texts of ${HONEST.textBytes} B sent ` +
      `through A's control socket (${HONEST.window} in flight) until C's inbox holds them all, first alone, ` +
      `then while \`bench/flooder.ts\`, a bare libp2p node in its own process, floods B over the mesh ` +
      `protocol from the moment the three are in contact until C has everything. The flooder never reads and ` +
      `sends, as fast as its writes drain, the attacks of issue 16 in turn: 4,096 offers it never serves, ` +
      `4,096 and 100,000 duplicate 1-byte offers, 4,096 requests for ids nobody holds, 4,096 receipts for ` +
      `random ids, 4,096 and 100,000 empty envelopes (the lists of 100,000 are refused by B's decoder as ` +
      `malformed frames, those of 4,096 go to its engine); when B closes or refuses it, it comes back with a fresh identity. ` +
      `RSS is each daemon's peak (\`VmHWM\`); B's \`status\` is polled every 50 ms and its slowest answer kept.`,
    '',
    '### Figures',
    '',
    table(
      ['run', 'honest messages/s', 'latency p50', 'latency p99', 'B peak RSS', "B's slowest status"],
      [row('alone', quiet), row('flooded', flooded)]
    ),
    '',
    `The flooder sent ${whole(attack.frames)} frames (${megabytes(attack.bytes)}) under ` +
      `${whole(attack.identities)} identities. Peak RSS of A, B and C under the flood: ` +
      `${[flooded.daemons.a, flooded.daemons.b, flooded.daemons.c].map((usage) => megabytes(usage.peakRss)).join(', ')}.`,
    '',
    '### Aims',
    '',
    table(
      ['aim', 'measured', 'met'],
      [
        [
          `honest rate under the flood ≥ ${AIM_RATE_SHARE} × alone`,
          `${share.toFixed(2)} ×`,
          met(share >= AIM_RATE_SHARE)
        ],
        [
          `every daemon's RSS < ${megabytes(AIM_RSS_BYTES)} under the flood`,
          megabytes(peak),
          met(Number.isFinite(peak) ? peak < AIM_RSS_BYTES : undefined)
        ]
      ]
    )
  ].join('\n')
}

function peakOf(usage: DeliveryFigures['daemons']['b']): number {
  return usage.peakRss ?? Number.NaN
}
