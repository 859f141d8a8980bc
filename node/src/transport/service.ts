import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { logger, LogSummary } from '../log/index.ts'
import type { EngineAction, EngineEvent, MeshEngine, MeshFrame } from '../mesh/index.ts'
import { MESH_PROTOCOL } from './constants.ts'
import { PeerSession } from './session.ts'
import type { SessionFault, SessionLimits } from './session.ts'

export interface MeshServiceInit {
  libp2p: Libp2p
  engine: MeshEngine
  limits: SessionLimits
  /** Sees every action other than sending (deliveries, receipts, drops). */
  onAction(action: EngineAction): void
  /** A peer's mesh stream misbehaved (the engine's drops come as actions). */
  onFault(peer: string, fault: SessionFault): void
  /** A peer gave this node envelopes or receipts, none of them dropped. */
  onUseful(peer: string): void
  /** Interval over which repeated error lines of one peer are summarised (`log.summary_interval`). */
  logSummaryInterval: number
}

/** What the mesh service saw since start. */
export interface MeshServiceStats {
  /** Times a peer's frames were left unread because it did not read what it was sent. */
  readsPaused: number
  /** Frames from peers that did not decode, dropped. */
  malformedFrames: number
}

/**
 * Wires the engine to libp2p: one mesh stream per neighbour that speaks the
 * protocol, opened by the side whose peer id sorts first, so two nodes never
 * hold two streams to each other.
 */
export class MeshService {
  readonly stats: MeshServiceStats = { readsPaused: 0, malformedFrames: 0 }
  private readonly libp2p: Libp2p
  private readonly engine: MeshEngine
  private readonly init: MeshServiceInit
  private readonly sessions = new Map<string, PeerSession>()
  private readonly log = logger('qpq:mesh')
  private readonly errorLines: LogSummary
  private topologyId: string | undefined

  constructor(init: MeshServiceInit) {
    this.libp2p = init.libp2p
    this.engine = init.engine
    this.init = init
    this.errorLines = new LogSummary({
      intervalMs: init.logSummaryInterval,
      summarise: (peer, reason, count) => {
        this.log.error(
          '%d more %s from %p (last %d s)',
          count,
          reason,
          peer ?? 'several peers',
          init.logSummaryInterval / 1000
        )
      }
    })
  }

  async start(): Promise<void> {
    await this.libp2p.handle(
      MESH_PROTOCOL,
      (stream, connection) => {
        this.attach(connection.remotePeer.toString(), stream)
      },
      { maxInboundStreams: 2, maxOutboundStreams: 2 }
    )
    this.topologyId = await this.libp2p.register(MESH_PROTOCOL, {
      onConnect: (peerId) => {
        void this.open(peerId)
      }
    })
  }

  async stop(): Promise<void> {
    if (this.topologyId !== undefined) this.libp2p.unregister(this.topologyId)
    this.topologyId = undefined
    await this.libp2p.unhandle(MESH_PROTOCOL)
    await Promise.all([...this.sessions.values()].map((session) => session.close()))
    await this.engine.settled()
    this.errorLines.flush()
  }

  /** Feeds an event to the engine and carries out the actions it answers with. */
  async dispatch(event: EngineEvent): Promise<EngineAction[]> {
    const actions = await this.engine.handle(event)
    for (const action of actions) {
      if (action.kind === 'send') this.sessions.get(action.peer)?.send(action.frame)
      else this.init.onAction(action)
    }
    return actions
  }

  contacts(): string[] {
    return [...this.sessions.keys()]
  }

  private async open(peerId: PeerId): Promise<void> {
    const peer = peerId.toString()
    if (this.libp2p.peerId.toString() > peer || this.sessions.has(peer)) return
    try {
      const stream = await this.libp2p.dialProtocol(peerId, MESH_PROTOCOL)
      this.attach(peer, stream)
    } catch (err) {
      this.log.error('could not open a mesh stream to %p: %e', peerId, err)
    }
  }

  private attach(peer: string, stream: Stream): void {
    const previous = this.sessions.get(peer)
    const session = new PeerSession({
      peer,
      stream,
      log: this.log,
      limits: this.init.limits,
      onFrame: (frame) => this.receive(peer, frame),
      onFault: (fault, err) => {
        this.init.onFault(peer, fault)
        if (fault !== 'malformed frame') return
        this.stats.malformedFrames++
        if (this.errorLines.first(peer, 'malformed frames')) {
          this.log.error('dropped a malformed frame from %p: %e', peer, err)
        }
      },
      onReadPaused: () => {
        this.stats.readsPaused++
      },
      onClose: (closed) => {
        this.detach(closed)
      }
    })
    this.sessions.set(peer, session)
    if (previous !== undefined) void previous.close()
    this.log('contact up with %p', peer)
    void this.dispatch({ kind: 'contact-up', peer }).catch(this.logEngineError)
    void session.run()
  }

  private async receive(peer: string, frame: MeshFrame): Promise<void> {
    try {
      const actions = await this.dispatch({ kind: 'frame', peer, frame })
      const gave = frame.envelopes.length > 0 || frame.receipts.length > 0
      if (gave && !actions.some((action) => action.kind === 'dropped' && action.peer === peer)) {
        this.init.onUseful(peer)
      }
    } catch (err) {
      this.logEngineError(err)
    }
  }

  private detach(session: PeerSession): void {
    if (this.sessions.get(session.peer) !== session) return
    this.sessions.delete(session.peer)
    this.log('contact down with %p', session.peer)
    void this.dispatch({ kind: 'contact-down', peer: session.peer }).catch(this.logEngineError)
  }

  private readonly logEngineError = (err: unknown): void => {
    this.log.error('mesh engine failed: %e', err)
  }
}
