import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { MESH_PROTOCOL } from './constants.ts'

/**
 * Connections libp2p accepts beyond `maxConnections`: libp2p refuses an inbound connection once its limit is
 * reached, so the limit it is given is higher and this module closes the least useful connection instead.
 */
export const PRUNE_HEADROOM = 4

/** The peer-store tag of a peer that gave this node envelopes or receipts; libp2p's pruner keeps it too. */
const USEFUL_TAG = 'qpq-useful'
const USEFUL_VALUE = 50

/** A useful peer keeps its tag this long after its last useful frame. */
const USEFUL_TTL_MS = 30 * 60 * 1000

/** A useful peer's tag is renewed at most this often, so busy contacts do not write the peer store per frame. */
const USEFUL_RENEW_MS = 60 * 1000

/** A connection that does not close cleanly within this time is aborted. */
const CLOSE_TIMEOUT_MS = 1000

export interface ConnectionSlotsInit {
  libp2p: Libp2p
  /** Connections kept open at most; one more makes the least useful go. */
  maxConnections: number
  /** A connection that carries no mesh stream this long after it opened is closed, in ms. */
  silentTimeout: number
}

/** What the connection slots did since start. */
export interface ConnectionSlotsStats {
  /** Connections closed for carrying no mesh stream within the silent timeout. */
  silentClosed: number
  /** Connections closed to make room for a newer one. */
  pruned: number
}

/**
 * Keeps connection slots for peers that do useful work: a connection that speaks no mesh protocol within
 * the silent timeout is closed, and when all slots are taken a new connection makes the least useful one go
 * (no useful tag, no mesh stream, oldest first) instead of being refused.
 */
export class ConnectionSlots {
  readonly stats: ConnectionSlotsStats = { silentClosed: 0, pruned: 0 }
  private readonly init: ConnectionSlotsInit
  private readonly log = logger('qpq:slots')
  private readonly silentTimers = new Map<string, NodeJS.Timeout>()
  /** When each connected peer's useful tag was last renewed. */
  private readonly usefulRenewed = new Map<string, number>()
  private pruning: Promise<void> = Promise.resolve()

  constructor(init: ConnectionSlotsInit) {
    this.init = init
  }

  start(): void {
    this.init.libp2p.addEventListener('connection:open', this.onOpen)
    this.init.libp2p.addEventListener('connection:close', this.onClose)
    this.init.libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  stop(): void {
    this.init.libp2p.removeEventListener('connection:open', this.onOpen)
    this.init.libp2p.removeEventListener('connection:close', this.onClose)
    this.init.libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    for (const timer of this.silentTimers.values()) clearTimeout(timer)
    this.silentTimers.clear()
    this.usefulRenewed.clear()
  }

  /** Marks `peer` as one that did this node some good, so its connection is kept over others. */
  markUseful(peer: string): void {
    const now = Date.now()
    if (now - (this.usefulRenewed.get(peer) ?? -Infinity) < USEFUL_RENEW_MS) return
    this.usefulRenewed.set(peer, now)
    this.init.libp2p.peerStore
      .merge(peerIdFromString(peer), { tags: { [USEFUL_TAG]: { value: USEFUL_VALUE, ttl: USEFUL_TTL_MS } } })
      .catch((err: unknown) => {
        this.log.error('could not tag %p as useful: %e', peer, err)
      })
  }

  private readonly onOpen = (event: CustomEvent<Connection>): void => {
    const connection = event.detail
    const timer = setTimeout(() => {
      this.closeIfSilent(connection)
    }, this.init.silentTimeout)
    timer.unref()
    this.silentTimers.set(connection.id, timer)
    // One pruning at a time: two at once would each close a connection for the same excess.
    this.pruning = this.pruning
      .then(() => this.pruneFor(connection))
      .catch((err: unknown) => {
        this.log.error('could not prune connections: %e', err)
      })
  }

  private readonly onClose = (event: CustomEvent<Connection>): void => {
    clearTimeout(this.silentTimers.get(event.detail.id))
    this.silentTimers.delete(event.detail.id)
  }

  private readonly onPeerDisconnect = (event: CustomEvent<PeerId>): void => {
    this.usefulRenewed.delete(event.detail.toString())
  }

  private closeIfSilent(connection: Connection): void {
    this.silentTimers.delete(connection.id)
    if (connection.status !== 'open' || carriesMesh(connection)) return
    this.stats.silentClosed++
    this.log(
      'closed a connection from %p: no mesh stream within %d ms',
      connection.remotePeer,
      this.init.silentTimeout
    )
    void this.close(connection)
  }

  /** Closes the least useful connections other than `newcomer` while more than `maxConnections` are open. */
  private async pruneFor(newcomer: Connection): Promise<void> {
    const open = this.init.libp2p.getConnections().filter((connection) => connection.status === 'open')
    const excess = open.length - this.init.maxConnections
    if (excess <= 0) return
    const candidates = open.filter((connection) => connection.id !== newcomer.id)
    const ranked = await Promise.all(
      candidates.map(async (connection) => ({
        connection,
        value: await this.tagValue(connection),
        mesh: carriesMesh(connection) ? 1 : 0
      }))
    )
    ranked.sort(
      (a, b) =>
        a.value - b.value || a.mesh - b.mesh || a.connection.timeline.open - b.connection.timeline.open
    )
    const pruned = ranked.slice(0, excess).map(({ connection }) => connection)
    this.stats.pruned += pruned.length
    for (const connection of pruned) {
      this.log('closed a connection to %p to make room for %p', connection.remotePeer, newcomer.remotePeer)
    }
    await Promise.all(pruned.map((connection) => this.close(connection)))
  }

  private async tagValue(connection: Connection): Promise<number> {
    try {
      const peer = await this.init.libp2p.peerStore.get(connection.remotePeer)
      return [...peer.tags.values()].reduce((sum, tag) => sum + tag.value, 0)
    } catch {
      // Not in the peer store: no tags.
      return 0
    }
  }

  private async close(connection: Connection): Promise<void> {
    try {
      await connection.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) })
    } catch (err) {
      connection.abort(err as Error)
    }
  }
}

function carriesMesh(connection: Connection): boolean {
  return connection.streams.some((stream) => stream.protocol === MESH_PROTOCOL)
}
