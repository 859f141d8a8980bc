import { Memory, QUIC_V1, TCP } from '@multiformats/multiaddr-matcher'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * What the daemon's transports listen on, as each transport's own listen filter decides it (QUIC v1,
 * TCP, libp2p's memory transport). Kept apart from `libp2p.ts` so configuration checks load no transport.
 */
const LISTENABLE = [QUIC_V1, TCP, Memory]

/** What listen addresses the daemon takes, for messages. */
export const LISTENABLE_FORMS =
  '/ip4|ip6/<address>/udp/<port>/quic-v1, /ip4|ip6/<address>/tcp/<port> or /memory/<name>'

/** Whether one of the daemon's transports can listen on `address`. */
export function isListenable(address: Multiaddr): boolean {
  return LISTENABLE.some((matcher) => matcher.exactMatch(address))
}
