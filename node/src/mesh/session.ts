import * as lp from 'it-length-prefixed'
import type { Logger } from '@libp2p/logger'
import type { Stream } from '@libp2p/interface'
import { MAX_FRAME_BYTES } from './constants.ts'
import { decodeMeshFrame } from './frames.ts'
import { MeshFrame } from './mesh.pb.ts'

/** Frames from one peer handed to the engine but not yet processed, beyond which reading pauses. */
const MAX_FRAMES_IN_FLIGHT = 64

export interface SessionInit {
  peer: string
  stream: Stream
  log: Logger
  /** Hands a frame to the engine; resolves once it has been processed. */
  onFrame(frame: MeshFrame): Promise<void>
  /** Hears of a frame that does not decode (a MalformedMessageError), which is dropped. */
  onMalformedFrame(err: Error): void
  onClose(session: PeerSession): void
}

/**
 * One long-lived mesh stream with a peer: length-prefixed protobuf frames in
 * both directions, with backpressure on each side.
 */
export class PeerSession {
  readonly peer: string
  private readonly stream: Stream
  private readonly log: Logger
  private readonly init: SessionInit
  private readonly outgoing: Uint8Array[] = []
  private pumping = false
  private closed = false
  private ended = false

  constructor(init: SessionInit) {
    this.peer = init.peer
    this.stream = init.stream
    this.log = init.log
    this.init = init
  }

  /** Starts reading; resolves when the stream ends, for whatever reason. */
  async run(): Promise<void> {
    const inFlight: Promise<void>[] = []
    try {
      for await (const data of lp.decode(this.stream, { maxDataLength: MAX_FRAME_BYTES })) {
        let frame: MeshFrame
        try {
          frame = decodeMeshFrame(data)
        } catch (err) {
          this.init.onMalformedFrame(err as Error)
          continue
        }
        inFlight.push(this.init.onFrame(frame))
        if (inFlight.length >= MAX_FRAMES_IN_FLIGHT) await inFlight.shift()
      }
    } catch (err) {
      if (!this.closed) this.log.error('mesh stream with %p failed: %e', this.peer, err)
      this.stream.abort(err as Error)
    } finally {
      await Promise.allSettled(inFlight)
      this.finish()
    }
  }

  send(frame: MeshFrame): void {
    if (this.closed) return
    this.outgoing.push(lp.encode.single(MeshFrame.encode(frame)).subarray())
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

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (this.outgoing.length > 0 && this.stream.writeStatus === 'writable') {
        const batch = this.outgoing.splice(0)
        for (const bytes of batch) {
          if (!this.stream.send(bytes)) await this.stream.onDrain()
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
    this.init.onClose(this)
  }
}
