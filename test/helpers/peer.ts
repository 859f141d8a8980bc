import { generateKeyPair } from '@libp2p/crypto/keys'
import { createMeshLibp2p } from '../../node/src/transport/index.ts'
import type { MeshLibp2p } from '../../node/src/transport/index.ts'

/** A bare libp2p node with the daemon's stack and no daemon behind it, for tests that speak the mesh protocol by hand. */
export async function createTestPeer(): Promise<MeshLibp2p> {
  return createMeshLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [],
    mdns: false,
    mdnsInterval: 10_000,
    maxConnections: 4
  })
}
