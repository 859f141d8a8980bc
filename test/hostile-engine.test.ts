import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import { callDaemon } from '../node/src/api/index.ts'
import { IDS_PER_FRAME, MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { MESH_PROTOCOL } from '../node/src/transport/index.ts'
import type { Stream } from '@libp2p/interface'
import type { EngineHeld } from '../node/src/mesh/index.ts'
import type { MeshLibp2p } from '../node/src/transport/index.ts'
import { encodeEnvelope, toHex } from '../node/src/wire/index.ts'
import { TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import { testEnvelope } from './helpers/envelopes.ts'
import { createTestPeer } from './helpers/peer.ts'

interface Status {
  relay: number
  receipts: number
  residentBytes: number
  engineHeld: EngineHeld
  malformedFrames: number
  droppedByReason: Record<string, number>
}

const MB = 1024 * 1024

describe('a hostile peer against the mesh engine of a daemon', function () {
  this.timeout(120_000)
  const folders = new TestFolders()
  let target: TestDaemon
  /** Bare peers, a fresh one per attack: the daemon takes only two mesh streams from one connection. */
  const peers: MeshLibp2p[] = []

  before(async () => {
    target = await TestDaemon.create('target', folders)
    await target.start({ transport: 'tcp' })
  })

  after(async () => {
    for (const peer of peers) await peer.stop()
    await target.stop('SIGKILL')
    await folders.removeAll()
  })

  /** Streams a test opened, closed after it whatever its outcome (the daemon takes two per peer). */
  let streams: Stream[] = []

  afterEach(async () => {
    await Promise.all(
      streams.map((stream) =>
        stream.close().catch(() => {
          stream.abort(new Error('test over'))
        })
      )
    )
    streams = []
  })

  async function newPeer(): Promise<MeshLibp2p> {
    const peer = await createTestPeer()
    peers.push(peer)
    return peer
  }

  async function openStream(peer: MeshLibp2p) {
    const stream = await peer.dialProtocol(multiaddr(target.tcpAddress()), MESH_PROTOCOL)
    streams.push(stream)
    await send(stream, { hello: { tags: [] } })
    return stream
  }

  /** Sends a frame, waiting for the stream to drain when its buffer is full. */
  async function send(stream: Stream, fields: Partial<MeshFrame>): Promise<void> {
    if (!stream.send(lp.encode.single(MeshFrame.encode(meshFrame(fields)), { maxDataLength: 8 * MB })))
      await stream.onDrain()
  }

  /** The daemon's status from its control socket: the time taken is the daemon's, not a CLI process's start. */
  async function status(): Promise<Status> {
    return (await callDaemon(join(target.data, 'control.sock'), 'status', {})) as Status
  }

  function dropped(current: Status, reason: string): number {
    return current.droppedByReason[reason] ?? 0
  }

  /** Random ids, cut from one buffer. */
  function ids(count: number, bytes = 32): Uint8Array[] {
    const all = new Uint8Array(randomBytes(count * bytes))
    return Array.from({ length: count }, (_, i) => all.subarray(i * bytes, (i + 1) * bytes))
  }

  it('holds a bounded number of ids of offers never served, and little memory', async () => {
    const stream = await openStream(await newPeer())
    for (let frame = 0; frame < 60; frame++) await send(stream, { offers: ids(IDS_PER_FRAME) })
    const after = await waitFor('the offers counted', async () => {
      const current = await status()
      return dropped(current, 'over limit') >= 60 * IDS_PER_FRAME - 16_384 - 512 ? current : undefined
    })
    expect(after.engineHeld.wanted).to.be.at.most(16_384)
    expect(after.engineHeld.requested).to.be.at.most(512)
    expect(after.residentBytes).to.be.below(300 * MB)
    await stream.close()
    await waitFor('the ids given back', async () => {
      const current = await status()
      return current.engineHeld.wanted === 0 ? true : undefined
    })
  })

  it('keeps at most the hint quota of 200,000 random receipts and stores none', async () => {
    const stream = await openStream(await newPeer())
    const before = (await status()).receipts
    for (let sent = 0; sent < 200_000; sent += IDS_PER_FRAME) {
      const receipts = ids(IDS_PER_FRAME).map((envelopeId) => ({
        envelopeId,
        secret: envelopeId,
        expiresAt: BigInt(Date.now() + 3_600_000),
        hint: false
      }))
      await send(stream, { receipts })
    }
    const after = await waitFor('the receipts counted', async () => {
      const current = await status()
      return dropped(current, 'receipt quota') >= 200_000 - 1024 - IDS_PER_FRAME ? current : undefined
    })
    expect(after.engineHeld.receiptHints).to.be.at.most(1024)
    expect(after.receipts).to.equal(before)
  })

  it('answers status within a second while it refuses frames of 300,000 duplicate 1-byte offers', async () => {
    const stream = await openStream(await newPeer())
    const offers = Array.from({ length: 300_000 }, () => new Uint8Array([7]))
    const before = (await status()).malformedFrames
    for (let frame = 0; frame < 4; frame++) await send(stream, { offers })
    const started = performance.now()
    await status()
    expect(performance.now() - started).to.be.below(1000)
    // A list over IDS_PER_FRAME items stops the decoder: the frame never reaches the engine.
    const after = await waitFor('the frames refused', async () => {
      const current = await status()
      return current.malformedFrames - before >= 4 ? current : undefined
    })
    expect(after.malformedFrames - before).to.equal(4)
    expect(after.engineHeld.wanted + after.engineHeld.requested).to.equal(0)
  })

  it('does not let a forged receipt stop an envelope an honest peer then offers', async () => {
    const envelope = testEnvelope(new Uint8Array(randomBytes(16)))
    const id = Buffer.from(envelope.id, 'hex')
    const hintsBefore = (await status()).engineHeld.receiptHints
    const rogueStream = await openStream(await newPeer())
    await send(rogueStream, {
      receipts: [
        { envelopeId: id, secret: new Uint8Array(32), expiresAt: BigInt(Date.now() + 3_600_000), hint: false }
      ]
    })
    const hinted = await waitFor('the forged receipt taken as a hint', async () => {
      const current = await status()
      return current.engineHeld.receiptHints === hintsBefore + 1 ? current : undefined
    })
    const stream = await openStream(await newPeer())
    const requested = new Promise<MeshFrame[]>((resolve, reject) => {
      void (async () => {
        const seen: MeshFrame[] = []
        for await (const data of lp.decode(stream)) {
          const frame = MeshFrame.decode(data)
          seen.push(frame)
          if (frame.requests.some((request) => toHex(request) === envelope.id)) {
            resolve(seen)
            return
          }
        }
        reject(new Error('the target ended the stream without requesting the envelope'))
      })()
    })
    await send(stream, { offers: [id] })
    const frames = await requested
    const passed = frames.flatMap((frame) => frame.receipts)
    expect(passed.map((receipt) => [toHex(receipt.envelopeId), receipt.hint])).to.deep.equal([
      [envelope.id, true]
    ])
    await send(stream, { envelopes: [encodeEnvelope(envelope.content, 3)] })
    const after = await waitFor('the envelope kept for relaying', async () => {
      const current = await status()
      return current.relay === 1 ? current : undefined
    })
    expect(after.engineHeld.receiptHints).to.equal(hinted.engineHeld.receiptHints - 1)
    expect(after.receipts).to.equal(hinted.receipts)
  })
})
