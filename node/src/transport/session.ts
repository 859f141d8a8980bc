import * as lp from 'it-length-prefixed'
import type { Logger } from '@libp2p/logger'
import type { Stream } from '@libp2p/interface'
import { decodeMeshFrame, frameItems, MeshFrame } from '../mesh/index.ts'
import { MAX_FRAME_BYTES, MAX_PAUSED_READ_BYTES } from './constants.ts'

/** Frames from one peer handed to the engine but not yet processed, beyond which reading pauses. */
const MAX_FRAMES_IN_FLIGHT = 64

/** Heap bytes a decoded item costs beyond its bytes on the wire (a Uint8Array view, or a receipt's object). */
const DECODED_ITEM_BYTES = 128

/** What a peer's mesh stream can do wrong, apart from what the engine finds in its frames. */
export type SessionFault = 'malformed frame' | 'frame over size'

/** Per-peer bounds on what a session holds in memory. */
export interface SessionLimits {
  /** Bytes queued for the peer and not yet written, beyond which its frames are not read until they drain. */
  maxQueuedBytes: number
  /**
   * Bytes of the peer's frames handed to the engine and not yet processed, counted as decoded (each item of a
   * list weighs DECODED_ITEM_BYTES more), beyond which reading pauses.
   */
  maxFrameBytesInFlight: number
}

export interface SessionInit {
  peer: string
  stream: Stream
  log: Logger
  limits: SessionLimits
  /** Hands a frame to the engine; resolves once it has been processed. */
  onFrame(frame: MeshFrame): Promise<void>
  /** The stream misbehaved: `err` says how (a frame that does not decode is dropped, one over size ends it). */
  onFault(fault: SessionFault, err: Error): void
  /** Reading stopped because the peer does not read what was sent to it. */
  onReadPaused(): void
  onClose(session: PeerSession): void
}

interface FrameInFlight {
  processed: Promise<void>
  bytes: number
}

/**
 * One long-lived mesh stream with a peer: length-prefixed protobuf frames in
 * both directions, with backpressure on each side. A peer that sends faster
 * than the engine processes, or asks for more than it reads, is not read from
 * until that drains, so neither can make this node hold more than the limits.
 */
export class PeerSession {
  readonly peer: string
  private readonly stream: Stream
  private readonly log: Logger
  private readonly init: SessionInit
  private readonly outgoing: Uint8Array[] = []
  /** Bytes in `outgoing` and in the batch being written. */
  private queuedBytes = 0
  private drained: (() => void) | undefined
  private pumping = false
  private closed = false
  private ended = false

  constructor(init: SessionInit) {
    this.peer = init.peer
    this.stream = init.stream
    this.log = init.log
    this.init = init
    // Paused, the stream buffers what the peer had in flight: up to its muxer's receive window.
    this.stream.maxReadBufferLength = Math.max(this.stream.maxReadBufferLength, MAX_PAUSED_READ_BYTES)
  }

  /** Starts reading; resolves when the stream ends, for whatever reason. */
  async run(): Promise<void> {
    const { limits } = this.init
    const inFlight: FrameInFlight[] = []
    let inFlightBytes = 0
    const processOldest = async (): Promise<void> => {
      const oldest = inFlight.shift()
      if (oldest === undefined) return
      await oldest.processed
      inFlightBytes -= oldest.bytes
    }
    try {
      for await (const data of lp.decode(this.stream, { maxDataLength: MAX_FRAME_BYTES })) {
        let frame: MeshFrame
        try {
          frame = decodeMeshFrame(data)
        } catch (err) {
          this.init.onFault('malformed frame', err as Error)
          continue
        }
        const bytes = data.byteLength + frameItems(frame) * DECODED_ITEM_BYTES
        inFlight.push({ processed: this.init.onFrame(frame), bytes })
        inFlightBytes += bytes
        // Requests are answered before the next frame is read, so the write bound below sees the answers.
        const answers = frame.requests.length > 0
        while (
          inFlight.length >= MAX_FRAMES_IN_FLIGHT ||
          inFlightBytes > limits.maxFrameBytesInFlight ||
          (answers && inFlight.length > 0)
        ) {
          await this.pausedWhile(processOldest())
        }
        if (this.queuedBytes > limits.maxQueuedBytes) {
          this.init.onReadPaused()
          await this.pausedWhile(this.writesDrained())
        }
      }
    } catch (err) {
      if (isOverSize(err)) this.init.onFault('frame over size', err as Error)
      if (!this.closed) this.log.error('mesh stream with %p failed: %e', this.peer, err)
      this.stream.abort(err as Error)
    } finally {
      await Promise.allSettled(inFlight.map(({ processed }) => processed))
      this.finish()
    }
  }

  send(frame: MeshFrame): void {
    if (this.closed) return
    const bytes = lp.encode.single(MeshFrame.encode(frame)).subarray()
    this.outgoing.push(bytes)
    this.queuedBytes += bytes.byteLength
    if (!this.pumping) void this.pump()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      await this.stream.close()
    } catch (err) {
      this.stream.abort(err as Error)
    }
    this.finish()
  }

  /** Stops the peer's frames coming in (its muxer window closes) until `work` is done. */
  private async pausedWhile(work: Promise<void>): Promise<void> {
    if (this.stream.readStatus === 'readable') this.stream.pause()
    try {
      await work
    } finally {
      if (this.stream.readStatus === 'paused') this.stream.resume()
    }
  }

  /** Resolves once what is queued for the peer is back within the limit, or the session ends. */
  private writesDrained(): Promise<void> {
    if (this.ended || this.queuedBytes <= this.init.limits.maxQueuedBytes) return Promise.resolve()
    return new Promise((resolve) => {
      this.drained = resolve
    })
  }

  private wrote(bytes: number): void {
    this.queuedBytes -= bytes
    if (this.queuedBytes <= this.init.limits.maxQueuedBytes) this.wakeReader()
  }

  private wakeReader(): void {
    const drained = this.drained
    this.drained = undefined
    drained?.()
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (this.outgoing.length > 0 && this.stream.writeStatus === 'writable') {
        const batch = this.outgoing.splice(0)
        for (const bytes of batch) {
          const more = this.stream.send(bytes)
          if (!more) await this.stream.onDrain()
          this.wrote(bytes.byteLength)
        }
      }
    } catch (err) {
      this.log.error('sending to %p failed: %e', this.peer, err)
      this.stream.abort(err as Error)
    } finally {
      this.pumping = false
    }
  }

  private finish(): void {
    if (this.ended) return
    this.ended = true
    this.closed = true
    this.outgoing.length = 0
    this.queuedBytes = 0
    this.wakeReader()
    this.init.onClose(this)
  }
}

/** The peer announced a frame longer than the limit (it-length-prefixed's errors, by name). */
function isOverSize(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'InvalidDataLengthError' || err.name === 'InvalidDataLengthLengthError')
  )
}
