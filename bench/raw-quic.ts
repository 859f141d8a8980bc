import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { OutputTail, stopChild } from './child.ts'
import type { Progress } from './progress.ts'
import { createQuicNode, RAW_PROTOCOL } from './quic-node.ts'
import { perSecond } from './stats.ts'

/** The receiver script, built next to this one. */
const RECEIVER = join(import.meta.dirname, 'raw-quic-receiver.js')

/** Longest wait for one line from the receiver (its start, or one run's report), in ms. */
const LINE_TIMEOUT_MS = 120_000

export interface RawQuicFigures {
  messages: number
  /** From the first to the last message read by the receiver, in ms. */
  ms: number
  /** Messages per second over that span. */
  rate: number
}

interface Receiver {
  nextLine(): Promise<string>
}

/**
 * The ceiling for the delivery path: two bare libp2p nodes (QUIC only) in separate processes, one stream,
 * `count` length-prefixed messages of `messageBytes` each, sent honouring backpressure; one run per count.
 */
export async function measureRawQuic(
  counts: number[],
  messageBytes: number,
  progress: Progress
): Promise<RawQuicFigures[]> {
  const child = spawn(process.execPath, [RECEIVER], { stdio: ['ignore', 'pipe', 'pipe'] })
  const stderr = new OutputTail()
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk)
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const receiver: Receiver = {
    nextLine: () => nextLine(lines, () => `the raw QUIC receiver stopped answering:\n${stderr.toString()}`)
  }
  const sender = await createQuicNode(false)
  try {
    const { listen } = JSON.parse(await receiver.nextLine()) as { listen?: string }
    if (listen === undefined) throw new Error('the raw QUIC receiver has no listen address')
    const figures: RawQuicFigures[] = []
    for (const count of counts) {
      progress.step(`raw QUIC: ${count} messages of ${messageBytes} B on one stream`)
      figures.push(await runOnce(sender, listen, count, messageBytes, receiver, progress))
      progress.endLine()
    }
    return figures
  } finally {
    progress.endLine()
    await sender.stop()
    await stopChild(child)
  }
}

async function runOnce(
  sender: Awaited<ReturnType<typeof createQuicNode>>,
  listen: string,
  count: number,
  messageBytes: number,
  receiver: Receiver,
  progress: Progress
): Promise<RawQuicFigures> {
  const stream = await sender.dialProtocol(multiaddr(listen), RAW_PROTOCOL)
  // Read before closing the write side: a read started after close() can hang (DESIGN.md, known pitfalls).
  const reading = (async (): Promise<void> => {
    for await (const _ of stream) {
      // the receiver sends nothing back; this only consumes its end of the stream
    }
  })()
  const payload = new Uint8Array(messageBytes).fill(0x61)
  for (let sent = 0; sent < count; sent++) {
    if (!stream.send(lp.encode.single(payload))) await stream.onDrain()
    progress.update(`sent ${sent + 1}/${count}`)
  }
  await stream.close()
  await reading
  const report = JSON.parse(await receiver.nextLine()) as { count: number; firstAt: number; lastAt: number }
  if (report.count !== count)
    throw new Error(`the raw QUIC receiver read ${report.count} of ${count} messages`)
  const ms = report.lastAt - report.firstAt
  return { messages: count, ms, rate: perSecond(count - 1, ms) }
}

async function nextLine(lines: AsyncIterator<string>, failure: () => string): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${failure()} (no line within ${LINE_TIMEOUT_MS} ms)`))
    }, LINE_TIMEOUT_MS)
  })
  try {
    const line = await Promise.race([lines.next(), timeout])
    if (line.done === true) throw new Error(failure())
    return line.value
  } finally {
    clearTimeout(timer)
  }
}
