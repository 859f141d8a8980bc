import { pbStream } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import { KEY_PACKAGE_PROTOCOL, KeyPackageAnswer, KeyPackageSummary } from '../../node/src/directory/index.ts'
import type { MeshLibp2p } from '../../node/src/transport/index.ts'

/** Pulls by hand from the node at `address` with an empty summary: every key package it would hand on. */
export async function pullEverything(from: MeshLibp2p, address: Multiaddr): Promise<Uint8Array[]> {
  const signal = AbortSignal.timeout(10_000)
  const stream = await from.dialProtocol(address, KEY_PACKAGE_PROTOCOL, { signal })
  const messages = pbStream(stream)
  await messages.write({ digests: [] }, KeyPackageSummary, { signal })
  const answer = await messages.read(KeyPackageAnswer, { signal })
  await stream.close({ signal })
  return answer.keyPackages
}
