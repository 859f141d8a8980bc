/**
 * The hostile peer of the flood benchmark, run as its own process by flood.ts: `node flooder.js <multiaddr>`.
 * Over and over, with a fresh identity each time (as an attacker would once refused), it dials the target,
 * opens the mesh stream and sends the attacks of issue 16 in turn as fast as its writes drain, never reading:
 * offers it never serves, one frame of duplicate offers, requests for ids nobody holds, receipts for random
 * ids and frames of empty envelopes. Prints one JSON line `{"frames", "bytes", "identities"}` on SIGTERM and
 * exits.
 */
import { randomBytes } from 'node:crypto'
import { setImmediate } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { createMeshLibp2p, MESH_PROTOCOL, MeshFrame, meshFrame } from '../node/src/mesh/index.ts'

/** Ids per frame of each attack: the most an honest frame carries (`IDS_PER_FRAME`). */
const IDS = 4096
/** Duplicates of one id in the duplicate-offers frame. */
const DUPLICATES = 100_000
/** Empty envelopes in one frame. */
const EMPTY_ENVELOPES = 20_000

function randomIds(count: number, bytes = 32): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(bytes)))
}

/** The attack frames, made afresh for each call so no two offers repeat. */
const ATTACKS: (() => MeshFrame)[] = [
  () => meshFrame({ offers: randomIds(IDS), offersComplete: false }),
  () => meshFrame({ offers: Array.from({ length: DUPLICATES }, () => new Uint8Array([7])) }),
  () => meshFrame({ requests: randomIds(IDS) }),
  () =>
    meshFrame({
      receipts: randomIds(IDS).map((envelopeId) => ({
        envelopeId,
        secret: new Uint8Array(randomBytes(32)),
        expiresAt: BigInt(Date.now() + 86_400_000),
        hint: false
      }))
    }),
  () => meshFrame({ envelopes: Array.from({ length: EMPTY_ENVELOPES }, () => new Uint8Array()) })
]

const target = multiaddr(process.argv[2] ?? '')
let frames = 0
let bytes = 0
let identities = 0
const stopping = new AbortController()

async function floodOnce(): Promise<void> {
  const node = await createMeshLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [],
    mdns: false,
    mdnsInterval: 10_000,
    maxConnections: 4
  })
  identities++
  try {
    const stream = await node.dialProtocol(target, MESH_PROTOCOL)
    const send = async (frame: MeshFrame): Promise<void> => {
      const data = lp.encode.single(MeshFrame.encode(frame)).subarray()
      frames++
      bytes += data.length
      // A send the stream buffers resolves at once: yield, or SIGTERM would never be heard.
      if (stream.send(data)) await setImmediate()
      else await stream.onDrain()
    }
    await send(meshFrame({ hello: { tags: [] } }))
    for (
      let i = 0;
      !stopping.signal.aborted && stream.writeStatus === 'writable';
      i = (i + 1) % ATTACKS.length
    ) {
      const attack = ATTACKS[i]
      if (attack !== undefined) await send(attack())
    }
  } catch {
    // refused, reset or banned: come back as someone else
  } finally {
    await node.stop()
  }
}

// Its connections end with the process: nothing to wait for.
process.once('SIGTERM', () => {
  stopping.abort()
  process.stdout.write(`${JSON.stringify({ frames, bytes, identities })}\n`, () => process.exit(0))
})

console.log(JSON.stringify({ flooding: target.toString() }))
while (!stopping.signal.aborted) await floodOnce()
