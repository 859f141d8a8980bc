import { quic } from '@chainsafe/libp2p-quic'
import { createLibp2p } from 'libp2p'

/** Protocol of the raw stream benchmark. */
export const RAW_PROTOCOL = '/qpq-bench/raw/1.0.0'

/** A bare libp2p 3 node: the QUIC transport only, no services, listening on 127.0.0.1 if asked to. */
export async function createQuicNode(listen: boolean) {
  return createLibp2p({
    addresses: { listen: listen ? ['/ip4/127.0.0.1/udp/0/quic-v1'] : [] },
    transports: [quic()]
  })
}
