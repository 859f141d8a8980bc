import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import { MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { MESH_PROTOCOL } from '../node/src/transport/index.ts'
import type { MeshLibp2p } from '../node/src/transport/index.ts'
import { encodeEnvelope } from '../node/src/wire/index.ts'
import { cliJson, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import { MlsAuthor } from './helpers/mls-author.ts'
import { createTestPeer } from './helpers/peer.ts'

interface Status {
  inbox: number
  dropped: number
  relay: number
}

describe('a hostile peer', function () {
  this.timeout(60_000)
  const folders = new TestFolders()
  let target: TestDaemon
  let rogue: MeshLibp2p
  let mallory: MlsAuthor

  before(async () => {
    target = await TestDaemon.create('target', folders)
    // One rogue runs every attack here: a ban (test/hostile-connections.test.ts) would end the file early.
    await target.start({ transport: 'tcp', env: { QPQ_NETWORK_BAN_THRESHOLD: '100000' } })
    rogue = await createTestPeer()
    mallory = await MlsAuthor.to(target, 'mallory')
  })

  after(async () => {
    await rogue.stop()
    await mallory.close()
    await target.stop('SIGKILL')
    await folders.removeAll()
  })

  async function openStream() {
    const stream = await rogue.dialProtocol(multiaddr(target.tcpAddress()), MESH_PROTOCOL)
    stream.send(lp.encode.single(MeshFrame.encode(meshFrame({ hello: { tags: [] } }))))
    return stream
  }

  /** An MLS envelope for the target from mallory's 1:1 group with it (the first one carries the Welcome). */
  async function mlsTo(text: string, payloadLimit = 262_144): Promise<Uint8Array> {
    const [content] = await mallory.envelopes([text], payloadLimit)
    if (content === undefined) throw new Error('no envelope')
    return content
  }

  async function status(): Promise<Status> {
    return cliJson<Status>(target.args('status'))
  }

  it('has malformed and oversize envelopes dropped and logged, delivers the good one, and never twice', async () => {
    const stream = await openStream()
    const good = await mlsTo('the one good envelope')
    const oversize = await mlsTo('x'.repeat(300_000), 1_000_000)
    const envelopes = meshFrame({
      envelopes: [new Uint8Array(randomBytes(100)), encodeEnvelope(oversize, 3), encodeEnvelope(good, 3)]
    })
    stream.send(lp.encode.single(new Uint8Array([0xff, 0x01, 0x02])))
    stream.send(lp.encode.single(MeshFrame.encode(envelopes)))
    stream.send(lp.encode.single(MeshFrame.encode(envelopes)))
    const after = await waitFor('the target to process both frames', async () => {
      const current = await status()
      return current.dropped >= 5 ? current : undefined
    })
    expect(after.inbox).to.equal(1)
    expect(target.log).to.match(/dropped an envelope from \S+: malformed \(envelope does not decode/)
    expect(target.log).to.match(/exceeds the limit of 262144/)
    expect(target.log).to.match(/already delivered/)
    expect(target.log).to.match(/dropped a malformed frame/)
    await stream.close()
  })

  it('has a frame over the size limit end its stream, and the daemon keeps working', async () => {
    const stream = await openStream()
    const closed = new Promise<void>((resolve) => {
      stream.addEventListener('close', () => {
        resolve()
      })
    })
    stream.send(lp.encode.single(new Uint8Array(6 * 1024 * 1024), { maxDataLength: 8 * 1024 * 1024 }))
    await closed
    const again = await openStream()
    again.send(
      lp.encode.single(
        MeshFrame.encode(meshFrame({ envelopes: [encodeEnvelope(await mlsTo('after the reset'), 3)] }))
      )
    )
    await waitFor('delivery after the reset', async () => ((await status()).inbox === 2 ? true : undefined))
    expect(target.log).to.match(/mesh stream with \S+ failed/)
    await again.close()
  })
})
