import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import type { Stream } from '@libp2p/interface'
import { callDaemon } from '../node/src/api/index.ts'
import type { StatusResult } from '../node/src/daemon/index.ts'
import { MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { MESH_PROTOCOL } from '../node/src/transport/index.ts'
import type { MeshLibp2p } from '../node/src/transport/index.ts'
import { encodeEnvelope, fromHex } from '../node/src/wire/index.ts'
import { TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import { testEnvelope } from './helpers/envelopes.ts'
import { MlsAuthor } from './helpers/mls-author.ts'
import { createTestPeer } from './helpers/peer.ts'

const MIB = 1024 * 1024

/** Bare libp2p peers made by a test, stopped when it ends. */
class TestPeers {
  private readonly peers: MeshLibp2p[] = []

  async make(): Promise<MeshLibp2p> {
    const peer = await createTestPeer()
    this.peers.push(peer)
    return peer
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.peers.splice(0).map(async (peer) => {
        await peer.stop()
      })
    )
  }
}

describe('hostile connections', function () {
  this.timeout(120_000)
  const folders = new TestFolders()
  const peers = new TestPeers()
  let target: TestDaemon
  let mallory: MlsAuthor

  afterEach(async () => {
    await peers.stopAll()
    await mallory.close()
    await target.stop('SIGKILL')
  })

  after(async () => {
    await folders.removeAll()
  })

  async function startTarget(env: NodeJS.ProcessEnv): Promise<void> {
    target = await TestDaemon.create('target', folders)
    await target.start({ transport: 'tcp', env })
    mallory = await MlsAuthor.to(target, 'mallory')
  }

  function status(): Promise<StatusResult> {
    return callDaemon(join(target.data, 'control.sock'), 'status', {}) as Promise<StatusResult>
  }

  /** A mesh stream from `peer` to the target, hello sent. */
  async function openMesh(peer: MeshLibp2p): Promise<Stream> {
    const stream = await peer.dialProtocol(multiaddr(target.tcpAddress()), MESH_PROTOCOL)
    send(stream, meshFrame({ hello: { tags: [] } }))
    return stream
  }

  function send(stream: Stream, frame: MeshFrame): void {
    stream.send(lp.encode.single(MeshFrame.encode(frame)))
  }

  /** An honest peer hands the target an MLS envelope for it; resolves once it is in the target's inbox. */
  async function deliverHonestly(text: string, inboxBefore: number): Promise<void> {
    const honest = await peers.make()
    const [content] = await mallory.envelopes([text])
    if (content === undefined) throw new Error('no envelope')
    const stream = await openMesh(honest)
    send(stream, meshFrame({ envelopes: [encodeEnvelope(content, 3)] }))
    await waitFor('the honest envelope to reach the inbox', async () =>
      (await status()).inbox > inboxBefore ? true : undefined
    )
  }

  it('stops reading a peer that asks for envelopes and never reads them, and keeps serving others', async () => {
    await startTarget({})
    const rogue = await peers.make()
    const stream = await openMesh(rogue)
    // The rogue reads nothing: its muxer stops granting the target room to send.
    stream.pause()
    // Answers of more bytes than the target queues for one peer (8 MiB): the engine sends each envelope
    // once until it is acknowledged, so only distinct envelopes fill the queue.
    const held = Array.from({ length: 64 }, () =>
      testEnvelope(new Uint8Array(32).fill(7), { payloadBytes: 200_000 })
    )
    for (const { content } of held) send(stream, meshFrame({ envelopes: [encodeEnvelope(content, 3)] }))
    await waitFor('the target to hold the rogue envelopes', async () =>
      (await status()).relay === held.length ? true : undefined
    )
    const before = await status()
    send(stream, meshFrame({ requests: held.map(({ id }) => fromHex(id)) }))
    await waitFor('the target to stop reading the rogue', async () =>
      (await status()).readsPaused > before.readsPaused ? true : undefined
    )

    const started = Date.now()
    const during = await status()
    expect(Date.now() - started).to.be.below(1000)
    await deliverHonestly('while the rogue does not read', during.inbox)
    const after = await status()
    expect(after.residentBytes).to.be.below(250 * MIB)
    expect(after.residentBytes - before.residentBytes).to.be.below(64 * MIB)
  })

  it('closes connections that speak no mesh protocol, and makes room for a new peer when all slots are taken', async () => {
    await startTarget({ QPQ_NETWORK_MAX_CONNECTIONS: '3', QPQ_NETWORK_SILENT_TIMEOUT: '2000' })
    const silent = await Promise.all(Array.from({ length: 4 }, () => peers.make()))
    for (const peer of silent) await peer.dial(multiaddr(target.tcpAddress()))
    await waitFor('a silent connection to make room for another', async () =>
      (await status()).pruned >= 1 ? true : undefined
    )
    await deliverHonestly('past the silent ones', 0)
    const closed = await waitFor('the silent connections to be closed', async () => {
      const current = await status()
      const open = silent.filter((peer) => peer.getConnections().length > 0)
      return open.length === 0 ? current : undefined
    })
    expect(closed.silentClosed + closed.pruned).to.be.at.least(silent.length)
    expect(closed.silentClosed).to.be.at.least(1)
    expect(closed.meshContacts).to.equal(1)
    expect(target.log).to.match(/no mesh stream within 2000 ms/)
  })

  it('bans a peer that sends malformed frames, refuses it while banned, and lets it back after', async () => {
    await startTarget({ QPQ_NETWORK_BAN_DURATION: '3000' })
    const rogue = await peers.make()
    const stream = await openMesh(rogue)
    for (let i = 0; i < 5; i++) stream.send(lp.encode.single(new Uint8Array([0xff, 0x01, 0x02])))
    const banned = await waitFor('the rogue to be banned and disconnected', async () => {
      const current = await status()
      return current.bannedNow === 1 && rogue.getConnections().length === 0 ? current : undefined
    })
    expect(banned.bansTotal).to.equal(1)
    const { text } = (await callDaemon(join(target.data, 'control.sock'), 'metrics', {})) as { text: string }
    expect(text).to.include('qpq_bans_total 1').and.include('qpq_banned_peers 1')
    expect(target.log).to.match(/banned \S+ for 3000 ms, last for: malformed frame/)
    let refusals = 0
    await waitFor(
      'the ban to end',
      async () => {
        try {
          await openMesh(rogue)
          return true
        } catch {
          refusals++
          return undefined
        }
      },
      // Slower than libp2p's limit of 5 inbound connections a second from one host, which the honest peer shares.
      { attempts: 50, intervalMs: 400 }
    )
    expect(refusals).to.be.at.least(1)
    expect((await status()).bannedNow).to.equal(0)
    await deliverHonestly('after the ban', 0)
  })
})
