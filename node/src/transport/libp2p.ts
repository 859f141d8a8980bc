import { quic } from '@chainsafe/libp2p-quic'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { memory } from '@libp2p/memory'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { PRUNE_HEADROOM } from './connection-slots.ts'
import { listenErrorOf } from './listen-failure.ts'

export interface Libp2pOptions {
  privateKey: PrivateKey
  listen: string[]
  mdns: boolean
  /** Milliseconds between mDNS queries. */
  mdnsInterval: number
  /** Connections kept open at most (`ConnectionSlots` closes the least useful beyond it). */
  maxConnections: number
  /** An inbound connection not through its handshake in this time is dropped, in ms (libp2p's default: 10 s). */
  inboundUpgradeTimeout?: number
  connectionGater?: ConnectionGater
}

/**
 * The libp2p node of a daemon: QUIC and TCP (noise, yamux), identify, ping, mDNS, gossipsub. A `/memory/<name>`
 * listen address adds the in-process memory transport, for daemons that a test runs side by side. Throws
 * `ListenError` when a listen address cannot be listened on.
 */
export async function createMeshLibp2p(options: Libp2pOptions) {
  try {
    return await startLibp2p(options)
  } catch (err) {
    throw listenErrorOf(err, options.listen) ?? err
  }
}

function startLibp2p(options: Libp2pOptions) {
  const inProcess = options.listen.some((address) => address.startsWith('/memory/'))
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen },
    transports: [quic(), tcp(), ...(inProcess ? [memory()] : [])],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: options.mdns ? [mdns({ interval: options.mdnsInterval })] : [],
    connectionManager: {
      maxConnections: options.maxConnections + PRUNE_HEADROOM,
      inboundUpgradeTimeout: options.inboundUpgradeTimeout
    },
    connectionGater: options.connectionGater,
    services: {
      identify: identify(),
      ping: ping(),
      // Freifunk meshes put many peers behind one gateway address and tests run
      // on one host: IP colocation scoring would starve both of mesh peers.
      pubsub: gossipsub({ scoreParams: { IPColocationFactorWeight: 0 }, allowPublishToZeroTopicPeers: true })
    }
  })
}

export type MeshLibp2p = Awaited<ReturnType<typeof startLibp2p>>
