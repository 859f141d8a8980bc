import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InboxMessage, StatusResult } from '../node/src/daemon/index.ts'
import { sleep } from './child.ts'
import { DaemonProcess } from './daemon-process.ts'
import type { Progress } from './progress.ts'
import { distribution } from './stats.ts'
import type { Distribution } from './stats.ts'

/** Bounded wait for A and C to be in mesh contact with B. */
const CONTACT_TIMEOUT_MS = 30_000
const CONTACT_POLL_MS = 100

/** How often C's (and A's, B's) status is polled while the messages travel. */
const DELIVERY_POLL_MS = 50

export interface DeliveryOptions {
  messages: number
  /** Length of each message's text, in ASCII characters (bytes). */
  textBytes: number
  /** `send` requests in flight at once on A's control socket. */
  window: number
  /** Longest wait from the first send until C holds every message, in ms. */
  timeoutMs: number
  /** Started once the three are in contact, before the first send, and stopped once C holds everything. */
  alongside?: (relay: DaemonProcess) => Promise<{ stop(): Promise<void> }>
}

export interface DeliveryFigures {
  messages: number
  /** From the first send until C's `status` counted every message in its inbox (polled). */
  deliveredMs: number
  /** From the first send until A had acknowledged the last `send` (durably queued at A). */
  queuedMs: number
  /** From the first send until the latest `receivedAt` in C's inbox. */
  lastReceivedMs: number
  /** `receivedAt - sentAt` of every message, in ms. */
  latency: Distribution
  /** Memory and CPU of each daemon. */
  daemons: { a: DaemonUsage; b: DaemonUsage; c: DaemonUsage }
  /** CPU time of this process (the load generator and status polling) over the same span, in ms. */
  benchCpuMs: number
  /** B's relay store: the most envelopes seen while polling, and its counts once C had everything. */
  relay: { peak: number; end: number; endReceipts: number }
  /** The slowest answer to B's `status` while the messages travelled, in ms. */
  slowestRelayStatusMs: number
}

/** What the OS reports of one daemon (undefined where it does not). */
export interface DaemonUsage {
  /** RSS just before the first send, in bytes. */
  rssBefore: number | undefined
  /** Peak RSS (`VmHWM`) once every message has arrived, in bytes. */
  peakRss: number | undefined
  /** CPU time (all threads) from the first send until C held every message, in ms. */
  cpuMs: number | undefined
}

interface Trio {
  a: DaemonProcess
  b: DaemonProcess
  c: DaemonProcess
}

/**
 * Three daemons on 127.0.0.1 over QUIC: B the relay, C and A bootstrapped to B only, so every envelope
 * from A to C is stored at B and forwarded. Pushes the messages through A's control socket and waits until
 * C has them all. Every process is stopped and every data folder removed at the end, pass or fail.
 */
export async function measureDelivery(
  options: DeliveryOptions,
  progress: Progress
): Promise<DeliveryFigures> {
  const folders: string[] = []
  const daemons: DaemonProcess[] = []
  const start = async (name: string, bootstrap: string[] = []): Promise<DaemonProcess> => {
    const data = await mkdtemp(join(tmpdir(), `qpq-bench-${name}-`))
    folders.push(data)
    const daemon = await DaemonProcess.start(name, data, bootstrap)
    daemons.push(daemon)
    return daemon
  }
  try {
    progress.step('delivery: starting daemons B (relay), then C and A bootstrapped to B')
    const b = await start('B')
    const c = await start('C', [b.quicAddress()])
    const a = await start('A', [b.quicAddress()])
    const trio = { a, b, c }
    await waitForContacts(trio)
    const alongside = await options.alongside?.(b)

    progress.step(`delivery: ${options.messages} messages of ${options.textBytes} B from A to C through B`)
    const texts = Array.from({ length: options.messages }, (_, i) => String(i).padEnd(options.textBytes, '.'))
    const before = { a: await a.usage(), b: await b.usage(), c: await c.usage() }
    const benchCpu = process.cpuUsage()
    const startedAt = Date.now()
    const run = await pushAndWait(trio, texts, options, progress).finally(() => alongside?.stop())
    const benchCpuUsed = process.cpuUsage(benchCpu)
    const after = { a: await a.usage(), b: await b.usage(), c: await c.usage() }
    progress.endLine()
    const bEnd = await b.status()

    progress.step('delivery: reading C’s inbox, stopping the daemons')
    const usage = {
      a: daemonUsage(before.a, after.a, await a.peakRss()),
      b: daemonUsage(before.b, after.b, await b.peakRss()),
      c: daemonUsage(before.c, after.c, await c.peakRss())
    }
    const inbox = await c.inbox()
    await Promise.all(daemons.map((daemon) => daemon.stop()))
    checkInbox(inbox, texts, a.address)
    return {
      messages: options.messages,
      deliveredMs: run.deliveredMs,
      queuedMs: run.queuedMs,
      lastReceivedMs: Math.max(...inbox.map((message) => message.receivedAt)) - startedAt,
      latency: distribution(inbox.map((message) => message.receivedAt - message.sentAt)),
      daemons: usage,
      benchCpuMs: (benchCpuUsed.user + benchCpuUsed.system) / 1000,
      relay: { peak: run.peakRelay, end: bEnd.relay, endReceipts: bEnd.receipts },
      slowestRelayStatusMs: run.slowestRelayStatusMs
    }
  } finally {
    progress.endLine()
    await Promise.allSettled(daemons.map((daemon) => daemon.stop()))
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })))
  }
}

/** Bounded polling until A and C each hold one mesh stream (to B) and neither is connected to the other. */
async function waitForContacts({ a, b, c }: Trio): Promise<void> {
  const deadline = Date.now() + CONTACT_TIMEOUT_MS
  for (;;) {
    const [as, bs, cs] = await Promise.all([a.status(), b.status(), c.status()])
    if (as.meshContacts === 1 && cs.meshContacts === 1 && bs.meshContacts === 2) {
      if (as.connectedPeers !== 1 || cs.connectedPeers !== 1) {
        throw new Error(
          `A and C must reach each other only through B: A has ${as.connectedPeers} peers, C ${cs.connectedPeers}`
        )
      }
      return
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no mesh contact within ${CONTACT_TIMEOUT_MS} ms: A ${as.meshContacts}, B ${bs.meshContacts}, C ${cs.meshContacts}`
      )
    }
    await sleep(CONTACT_POLL_MS)
  }
}

interface RunResult {
  deliveredMs: number
  queuedMs: number
  peakRelay: number
  slowestRelayStatusMs: number
}

/** Sends every text from A to C while polling the statuses; resolves once C's inbox holds them all. */
async function pushAndWait(
  { a, b, c }: Trio,
  texts: string[],
  options: DeliveryOptions,
  progress: Progress
): Promise<RunResult> {
  const started = performance.now()
  let queued = 0
  let peakRelay = 0
  let slowestRelayStatusMs = 0
  const failed = new AbortController()

  // The first text goes to an invite of C's: it starts the 1:1 MLS group (its Welcome travels with it), and
  // every later one is sent in that group.
  const { invite } = (await c.call('invite')) as { invite: string }
  const sending = (async (): Promise<number> => {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < texts.length) {
        const address = next === 0 ? invite : c.address
        const text = texts[next++]
        await a.call('send', { address, text, priority: 'normal' })
        queued++
      }
    }
    await Promise.all(Array.from({ length: options.window }, worker))
    return performance.now() - started
  })().catch((err: unknown) => {
    failed.abort(err)
    throw err
  })

  const polling = (async (): Promise<number> => {
    for (;;) {
      const asked = performance.now()
      const [as, bs, cs] = await Promise.all([a.status(), timed(b.status(), asked), c.status()])
      const elapsed = performance.now() - started
      peakRelay = Math.max(peakRelay, bs.relay)
      if (as.connectedPeers > 1 || cs.connectedPeers > 1) throw new Error('A and C got connected directly')
      if (cs.inbox >= texts.length) return elapsed
      if (failed.signal.aborted) throw new Error('sending failed')
      if (elapsed > options.timeoutMs)
        throw new Error(timeoutMessage(texts.length, options.timeoutMs, as, bs, cs))
      progress.update(
        `${(elapsed / 1000).toFixed(1)} s: queued at A ${queued}/${texts.length}, ` +
          `A outbox ${as.outbox}, B relay ${bs.relay}, C inbox ${cs.inbox}`
      )
      await sleep(DELIVERY_POLL_MS)
    }
  })()

  /** Resolves with `status`, noting how long it took from `asked`. */
  async function timed(status: Promise<StatusResult>, asked: number): Promise<StatusResult> {
    const result = await status
    slowestRelayStatusMs = Math.max(slowestRelayStatusMs, performance.now() - asked)
    return result
  }

  const [queuedMs, deliveredMs] = await Promise.all([sending, polling])
  return { deliveredMs, queuedMs, peakRelay, slowestRelayStatusMs }
}

function timeoutMessage(
  messages: number,
  timeoutMs: number,
  a: StatusResult,
  b: StatusResult,
  c: StatusResult
): string {
  return (
    `C's inbox held ${c.inbox} of ${messages} messages after ${timeoutMs / 1000} s ` +
    `(A outbox ${a.outbox}, B relay ${b.relay}, contacts A ${a.meshContacts} B ${b.meshContacts} C ${c.meshContacts})`
  )
}

/** Every text arrived exactly once, intact, from A. */
function checkInbox(inbox: InboxMessage[], texts: string[], from: string): void {
  const expected = new Set(texts)
  const seen = new Set<string>()
  for (const message of inbox) {
    if (!expected.has(message.text) || seen.has(message.text) || message.from !== from) {
      throw new Error(`C's inbox holds an unexpected or repeated message (${message.id})`)
    }
    seen.add(message.text)
  }
  if (seen.size !== texts.length) throw new Error(`C's inbox holds ${seen.size} of ${texts.length} messages`)
}

type Usage = Awaited<ReturnType<DaemonProcess['usage']>>

function daemonUsage(before: Usage, after: Usage, peakRss: number | undefined): DaemonUsage {
  const cpuMs =
    after.cpuMs === undefined || before.cpuMs === undefined ? undefined : after.cpuMs - before.cpuMs
  return { rssBefore: before.rss, peakRss, cpuMs }
}
