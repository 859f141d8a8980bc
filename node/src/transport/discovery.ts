import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** How often a connected bootstrap peer is checked, and the first wait after a failed dial, in ms. */
export const REDIAL_INTERVAL_MS = 2000

/** Longest wait between dials of an unreachable bootstrap peer, in ms: a peer back online is found within it. */
export const REDIAL_CAP_MS = 60_000

export interface DiscoveryInit {
  libp2p: Libp2p
  bootstrap: string[]
  maxConnections: number
  /** @default REDIAL_INTERVAL_MS */
  redialInterval?: number
  /** @default REDIAL_CAP_MS */
  redialCap?: number
}

/** The wait after `failures` failed dials in a row (0: after a success): the interval, doubled with each failure, at most `cap`. */
export function redialDelay(failures: number, interval: number, cap: number): number {
  return Math.min(cap, interval * 2 ** Math.min(Math.max(failures - 1, 0), 30))
}

/** One bootstrap address and its dialling state. */
interface BootstrapPeer {
  address: Multiaddr
  /** The peer behind the address, once a dial has told us. */
  peer?: PeerId
  failures: number
  timer?: NodeJS.Timeout
}

/**
 * Keeps the node in contact: dials peers that mDNS finds, and dials each bootstrap peer again whenever it is
 * not connected; an unreachable one less and less often (exponential backoff up to `redialCap`), with one log
 * line per failed dial.
 */
export class Discovery {
  private readonly libp2p: Libp2p
  private readonly bootstrap: BootstrapPeer[]
  private readonly maxConnections: number
  private readonly redialInterval: number
  private readonly redialCap: number
  private readonly log = logger('qpq:mesh:discovery')
  private running = false

  constructor(init: DiscoveryInit) {
    this.libp2p = init.libp2p
    this.bootstrap = init.bootstrap.map((address) => ({ address: multiaddr(address), failures: 0 }))
    this.maxConnections = init.maxConnections
    this.redialInterval = init.redialInterval ?? REDIAL_INTERVAL_MS
    this.redialCap = init.redialCap ?? REDIAL_CAP_MS
  }

  start(): void {
    this.running = true
    this.libp2p.addEventListener('peer:discovery', this.onDiscovery)
    for (const bootstrap of this.bootstrap) void this.keepInContact(bootstrap)
  }

  stop(): void {
    this.running = false
    this.libp2p.removeEventListener('peer:discovery', this.onDiscovery)
    for (const bootstrap of this.bootstrap) clearTimeout(bootstrap.timer)
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

  private async keepInContact(bootstrap: BootstrapPeer): Promise<void> {
    await this.dialIfAway(bootstrap)
    if (!this.running) return
    const delay = redialDelay(bootstrap.failures, this.redialInterval, this.redialCap)
    bootstrap.timer = setTimeout(() => void this.keepInContact(bootstrap), delay)
  }

  private async dialIfAway(bootstrap: BootstrapPeer): Promise<void> {
    const { peer, address } = bootstrap
    if (peer !== undefined && this.libp2p.getConnections(peer).length > 0) return
    try {
      bootstrap.peer = (await this.libp2p.dial(address)).remotePeer
      bootstrap.failures = 0
    } catch (err) {
      bootstrap.failures++
      this.log(
        'bootstrap peer %a unreachable (%d failed dials in a row), next dial in %d s: %s',
        address,
        bootstrap.failures,
        redialDelay(bootstrap.failures, this.redialInterval, this.redialCap) / 1000,
        (err as Error).message
      )
    }
  }
}
