/**
 * The hostile peer of the flood benchmark, run as its own process by flood.ts: `node flooder.js <multiaddr>`.
 * Over and over, with a fresh identity each time (as an attacker would once refused), it dials the target,
 * opens the mesh stream and sends the attacks of issue 16 in turn as fast as its writes drain, never reading:
 * offers it never serves, duplicate offers, requests for ids nobody holds, receipts for random ids and empty
 * envelopes, each both within the frame's list limit (work for the engine) and far over it (work for the decoder). Prints one JSON line `{"frames", "bytes", "identities"}` on SIGTERM and
 * exits.
 */
import { randomBytes } from 'node:crypto'
import { setImmediate } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { createMeshLibp2p, MESH_PROTOCOL } from '../node/src/transport/index.ts'

/** Ids per frame of each attack: the most an honest frame carries (`IDS_PER_FRAME`). */
const IDS = 4096
/** Items of the lists over the limit: the sizes that hurt before there was one. */
const OVER_LIMIT = 100_000

function randomIds(count: number, bytes = 32): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(bytes)))
}

/** One malformed 1-byte id, `count` times. */
function duplicates(count: number): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array([7]))
}

function empties(count: number): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array())
}

/** The attack frames, made afresh for each call so no two offers repeat. */
const ATTACKS: (() => MeshFrame)[] = [
  () => meshFrame({ offers: randomIds(IDS), offersComplete: false }),
  () => meshFrame({ offers: duplicates(IDS) }),
  () => meshFrame({ offers: duplicates(OVER_LIMIT) }),
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
  () => meshFrame({ envelopes: empties(IDS) }),
  () => meshFrame({ envelopes: empties(OVER_LIMIT) })
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
      const sent = stream.send(data)
      // Buffered sends and drains can both resolve at once: yield to the event loop each time, or the QUIC
      // socket never writes and SIGTERM is never heard.
      await setImmediate()
      if (!sent) await stream.onDrain()
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
  } catch (err) {
    // refused, reset or banned: come back as someone else
    process.stderr.write(`flooder: ${(err as Error).message}\n`)
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
