import { DAEMON_V8_FLAGS } from '../node/src/cli/v8-flags.ts'
import { cpus } from 'node:os'
import type { Benchmark } from './benchmark.ts'
import { measureDelivery } from './delivery.ts'
import type { DaemonUsage, DeliveryFigures, DeliveryOptions } from './delivery.ts'
import { megabytes, met, millis, table, whole } from './format.ts'
import type { Progress } from './progress.ts'
import { measureRawQuic } from './raw-quic.ts'
import type { RawQuicFigures } from './raw-quic.ts'
import { perSecond } from './stats.ts'

const DELIVERY: DeliveryOptions = { messages: 10_000, textBytes: 1024, window: 256, timeoutMs: 5 * 60_000 }

/** Raw runs: one as long as the delivery run, one longer for a steadier figure (the reference). */
const RAW_COUNTS = [10_000, 50_000]

/** The aims. */
const AIM_RATE = 5_000
const AIM_RAW_SHARE = 0.5
const AIM_RSS_BYTES = 150_000_000

/** End-to-end delivery A → B → C against the raw QUIC ceiling, measured in one run. */
export const deliveryPath: Benchmark = {
  name: 'delivery path',
  async run(progress: Progress): Promise<string> {
    const raw = await measureRawQuic(RAW_COUNTS, DELIVERY.textBytes, progress)
    const delivery = await measureDelivery(DELIVERY, progress)
    return render(raw, delivery)
  }
}

function render(raw: RawQuicFigures[], delivery: DeliveryFigures): string {
  const reference = raw.at(-1)
  if (reference === undefined) throw new Error('no raw QUIC run')
  const rate = perSecond(delivery.messages, delivery.deliveredMs)
  return [
    '## Delivery path: A → B (relay) → C, against raw QUIC',
    '',
    '### Method',
    '',
    method(reference),
    '',
    '### Figures',
    '',
    figures(raw, delivery, rate / reference.rate),
    '',
    processes(delivery),
    '',
    '### Aims',
    '',
    aims(delivery, rate, rate / reference.rate)
  ].join('\n')
}

function method(reference: RawQuicFigures): string {
  return [
    `Three \`qpq-node start\` daemons, each its own process with a fresh temporary data folder, on 127.0.0.1 ` +
      `over QUIC only (\`--listen /ip4/127.0.0.1/udp/0/quic-v1 --no-mdns\`, peer exchange off with ` +
      `\`QPQ_NETWORK_PEER_EXCHANGE=false\`, default configuration otherwise, log level \`info\`, the bin's V8 ` +
      `flags \`${DAEMON_V8_FLAGS.join(' ')}\`). B starts ` +
      `first; C, then A, start with \`--bootstrap\` B's QUIC address. A and C never connect to each other ` +
      `(checked), so every envelope goes A → B → C. Once \`status\` shows A and C with one ` +
      `mesh contact each (B with two), the bench pushes ${whole(DELIVERY.messages)} messages of ` +
      `${DELIVERY.textBytes} ASCII characters (each distinct) through A's control socket \`send\` method, ` +
      `${DELIVERY.window} requests in flight (\`ControlClient\` opens one Unix socket connection per call, so ` +
      `that is ${DELIVERY.window} connections at a time). \`send\` encrypts the message in A's 1:1 MLS group ` +
      `with C (the first message goes to an invite of C's and carries the group's Welcome) and answers once ` +
      `the envelope is durably queued in A's outbox.`,
    '',
    `**B stores every envelope durably before acknowledging it**: the engine commits all writes of a cycle ` +
      `in one LevelDB batch written with \`sync: true\` (group commit) and only then releases the acks and ` +
      `forwards; A's outbox and C's inbox (with the delivery receipt) are committed the same way.`,
    '',
    `The rate is ${whole(DELIVERY.messages)} divided by the time from the first \`send\` until C's ` +
      `\`status.inbox\` reaches ${whole(DELIVERY.messages)} (polled every 50 ms, so up to 50 ms late). ` +
      `Latency is \`receivedAt - sentAt\` of each inbox entry (both stamped by the daemons on this machine's ` +
      `clock: when A encrypted the message, when C committed it), read from C's \`inbox\` control method a page ` +
      `at a time. The bench checks every message arrived exactly once and intact. Peak RSS is \`VmHWM\` from ` +
      `\`/proc/<pid>/status\`, read once every message has arrived, before the inbox is read; CPU time is user + system time of ` +
      `all the process's threads from \`/proc/<pid>/stat\` (10 ms ticks).`,
    '',
    `The raw ceiling: two bare libp2p 3 nodes (only the \`@chainsafe/libp2p-quic\` transport, no services), ` +
      `the receiver in a child process, one stream; the sender writes ${DELIVERY.textBytes}-byte messages ` +
      `length-prefixed (\`it-length-prefixed\` \`encode.single\`) with \`stream.send()\`, waiting on ` +
      `\`onDrain()\` whenever \`send\` returns false; the receiver decodes with \`lp.decode(stream)\` and ` +
      `reports (count − 1) / (time of last − time of first message). One hop, no storage, no crypto ` +
      `beyond QUIC's TLS: the delivery path crosses two hops and three durable stores. The ` +
      `${whole(reference.messages)}-message run is the reference for the ratio.`
  ].join('\n')
}

function figures(raw: RawQuicFigures[], delivery: DeliveryFigures, share: number): string {
  const { latency, relay } = delivery
  return table(
    ['figure', 'value'],
    [
      ...raw.map((run) => [
        `raw QUIC, ${whole(run.messages)} messages, one stream`,
        `${whole(run.rate)} messages/s (${millis(run.ms)})`
      ]),
      [
        `end to end A → B → C, ${whole(delivery.messages)} messages`,
        `${whole(perSecond(delivery.messages, delivery.deliveredMs))} messages/s (${millis(delivery.deliveredMs)})`
      ],
      ['end to end / raw', percent(share)],
      [
        'all sends durably queued at A after',
        `${millis(delivery.queuedMs)} (${whole(perSecond(delivery.messages, delivery.queuedMs))} messages/s)`
      ],
      ['last message committed at C after (its `receivedAt`)', millis(delivery.lastReceivedMs)],
      [
        'latency `receivedAt - sentAt`: p50 / p99 / max',
        `${millis(latency.p50)} / ${millis(latency.p99)} / ${millis(latency.max)}`
      ],
      ['B relay store: most envelopes seen while polling', whole(relay.peak)],
      [
        'B relay store once C had everything: envelopes / receipts',
        `${whole(relay.end)} / ${whole(relay.endReceipts)}`
      ]
    ]
  )
}

/** Memory and CPU per process over the run, and how busy that kept the machine. */
function processes(delivery: DeliveryFigures): string {
  const { a, b, c } = delivery.daemons
  const perMessage = (ms: number | undefined): string =>
    ms === undefined ? 'n/a' : `${whole((ms * 1000) / delivery.messages)} µs`
  const row = (name: string, usage: DaemonUsage): string[] => [
    name,
    megabytes(usage.rssBefore),
    megabytes(usage.peakRss),
    usage.cpuMs === undefined ? 'n/a' : millis(usage.cpuMs),
    perMessage(usage.cpuMs)
  ]
  const cpuTimes = [a.cpuMs, b.cpuMs, c.cpuMs, delivery.benchCpuMs]
  const busy = cpuTimes.every((ms) => ms !== undefined)
    ? `Together they used ${percent(sum(cpuTimes) / (delivery.deliveredMs * cpus().length))} of the ` +
      `machine's ${cpus().length} logical CPUs over the ${millis(delivery.deliveredMs)} run.`
    : ''
  return [
    'Per process, from the first `send` until C held every message:',
    '',
    table(
      [
        'process',
        'RSS before the first send',
        'peak RSS',
        'CPU, first send to last delivery',
        'CPU per message'
      ],
      [
        row('A (sender: encrypts, queues, forwards)', a),
        row('B (relay: stores, forwards)', b),
        row('C (recipient: opens, stores in its inbox)', c),
        [
          `bench (${DELIVERY.window} control calls in flight, status polls)`,
          '',
          '',
          millis(delivery.benchCpuMs),
          perMessage(delivery.benchCpuMs)
        ]
      ]
    ),
    '',
    busy
  ].join('\n')
}

function aims(delivery: DeliveryFigures, rate: number, share: number): string {
  const rss = Object.values(delivery.daemons).map((usage) => usage.peakRss)
  const largest = rss.every((bytes) => bytes !== undefined) ? Math.max(...rss) : undefined
  return table(
    ['aim', 'measured', 'met'],
    [
      [
        `at least ${whole(AIM_RATE)} messages/s end to end, durably stored at B`,
        `${whole(rate)} messages/s`,
        met(rate >= AIM_RATE)
      ],
      [
        `at least ${percent(AIM_RAW_SHARE)} of the raw QUIC rate`,
        percent(share),
        met(share >= AIM_RAW_SHARE)
      ],
      [
        `under ${megabytes(AIM_RSS_BYTES)} RSS per daemon`,
        `${megabytes(largest)} (largest peak)`,
        met(largest === undefined ? undefined : largest < AIM_RSS_BYTES)
      ]
    ]
  )
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`
}

function sum(values: (number | undefined)[]): number {
  return values.reduce<number>((total, value) => total + (value ?? 0), 0)
}
