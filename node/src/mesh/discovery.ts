import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** How often unreachable bootstrap peers are dialled again, in milliseconds. */
export const REDIAL_INTERVAL_MS = 2000

export interface DiscoveryInit {
  libp2p: Libp2p
  bootstrap: string[]
  maxConnections: number
  /** @default REDIAL_INTERVAL_MS */
  redialInterval?: number
}

/**
 * Keeps the node in contact: dials peers that mDNS finds, and keeps dialling
 * the bootstrap list whenever one of them is not connected.
 */
export class Discovery {
  private readonly libp2p: Libp2p
  private readonly bootstrap: Multiaddr[]
  private readonly maxConnections: number
  private readonly redialInterval: number
  /** The peer behind each bootstrap address, once a dial has told us. */
  private readonly bootstrapPeers = new Map<string, PeerId>()
  private readonly log = logger('qpq:mesh:discovery')
  private timer: NodeJS.Timeout | undefined
  private dialling = false

  constructor(init: DiscoveryInit) {
    this.libp2p = init.libp2p
    this.bootstrap = init.bootstrap.map((address) => multiaddr(address))
    this.maxConnections = init.maxConnections
    this.redialInterval = init.redialInterval ?? REDIAL_INTERVAL_MS
  }

  start(): void {
    this.libp2p.addEventListener('peer:discovery', this.onDiscovery)
    if (this.bootstrap.length === 0) return
    void this.dialBootstrap()
    this.timer = setInterval(() => void this.dialBootstrap(), this.redialInterval)
  }

  stop(): void {
    this.libp2p.removeEventListener('peer:discovery', this.onDiscovery)
    clearInterval(this.timer)
    this.timer = undefined
  }

  private readonly onDiscovery = (event: CustomEvent<PeerInfo>): void => {
    const { id } = event.detail
    if (id.equals(this.libp2p.peerId) || this.libp2p.getConnections(id).length > 0) return
    if (this.libp2p.getConnections().length >= this.maxConnections) return
    this.log('discovered %p, dialling', id)
    this.libp2p.dial(id).catch((err: unknown) => {
      this.log.error('dialling discovered peer %p failed: %e', id, err)
    })
  }

  private async dialBootstrap(): Promise<void> {
    if (this.dialling) return
    this.dialling = true
    try {
      await Promise.all(
        this.bootstrap.map(async (address) => {
          const known = this.bootstrapPeers.get(address.toString())
          if (known !== undefined && this.libp2p.getConnections(known).length > 0) return
          try {
            const connection = await this.libp2p.dial(address)
            this.bootstrapPeers.set(address.toString(), connection.remotePeer)
          } catch (err) {
            // Retried every few seconds while the peer is away: one line each time, no stack.
            this.log('bootstrap peer %a unreachable: %s', address, (err as Error).message)
          }
        })
      )
    } finally {
      this.dialling = false
    }
  }
}
