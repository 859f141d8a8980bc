import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import type { Message } from '@libp2p/gossipsub'
import type { MeshLibp2p } from './libp2p.ts'
import { peerDecoder } from '../wire/index.ts'
import { PeerAnnouncement } from './peer-exchange.pb.ts'

const announcements = peerDecoder('PeerAnnouncement', PeerAnnouncement)

/** Gossipsub topic of peer announcements. */
export const PEER_EXCHANGE_TOPIC = '/qpq/peer-exchange/1.0.0'

/** Addresses read from one announcement, at most. */
const MAX_ANNOUNCED_ADDRESSES = 16

export interface PeerExchangeInit {
  libp2p: MeshLibp2p
  interval: number
  maxConnections: number
}

/**
 * Peers learned from peers: every node announces its addresses on a
 * gossipsub topic, and dials the announced peers it is not connected to
 * while it has room for more connections. Gossipsub signs each message, so an
 * announcement speaks only for its author.
 */
export class PeerExchange {
  private readonly libp2p: MeshLibp2p
  private readonly interval: number
  private readonly maxConnections: number
  private readonly log = logger('qpq:mesh:peer-exchange')
  private timer: NodeJS.Timeout | undefined

  constructor(init: PeerExchangeInit) {
    this.libp2p = init.libp2p
    this.interval = init.interval
    this.maxConnections = init.maxConnections
  }

  start(): void {
    const { pubsub } = this.libp2p.services
    pubsub.addEventListener('message', this.onMessage)
    pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    pubsub.subscribe(PEER_EXCHANGE_TOPIC)
    this.timer = setInterval(() => {
      this.announce()
    }, this.interval)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    const { pubsub } = this.libp2p.services
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    pubsub.unsubscribe(PEER_EXCHANGE_TOPIC)
  }

  private announce(): void {
    const multiaddrs = this.libp2p.getMultiaddrs().map((address) => address.bytes)
    this.libp2p.services.pubsub
      .publish(PEER_EXCHANGE_TOPIC, PeerAnnouncement.encode({ multiaddrs }))
      .catch((err: unknown) => {
        this.log('announcement not published: %e', err)
      })
  }

  /** A new neighbour on the topic hears from us at once, not only at the next interval. */
  private readonly onSubscriptionChange = (): void => {
    this.announce()
  }

  private readonly onMessage = (event: CustomEvent<Message>): void => {
    const message = event.detail
    if (message.topic !== PEER_EXCHANGE_TOPIC || message.type !== 'signed') return
    const peer = message.from
    if (peer.equals(this.libp2p.peerId) || this.libp2p.getConnections(peer).length > 0) return
    if (this.libp2p.getConnections().length >= this.maxConnections) return
    let addresses
    try {
      // The dial checks the remote's peer id in the handshake, so an address can only lead to its author.
      addresses = announcements
        .decode(message.data, {
          limits: { multiaddrs: MAX_ANNOUNCED_ADDRESSES }
        })
        .multiaddrs.map((bytes) => multiaddr(bytes))
    } catch (err) {
      this.log.error('dropped a malformed announcement from %p: %e', peer, err)
      return
    }
    if (addresses.length === 0) return
    this.log('%p announced %d addresses, dialling', peer, addresses.length)
    this.libp2p.peerStore
      .merge(peer, { multiaddrs: addresses })
      .then(() => this.libp2p.dial(peer))
      .catch((err: unknown) => {
        this.log('dialling announced peer %p failed: %e', peer, err)
      })
  }
}
