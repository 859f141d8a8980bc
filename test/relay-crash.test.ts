import { multiaddr } from '@multiformats/multiaddr'
import { bytesToHex } from '@noble/hashes/utils.js'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import { MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { MESH_PROTOCOL } from '../node/src/transport/index.ts'
import type { MeshLibp2p } from '../node/src/transport/index.ts'
import { encodeEnvelope } from '../node/src/wire/index.ts'
import { TestDaemon, TestFolders, waitForInboxIds } from './helpers/daemons.ts'
import { MlsAuthor } from './helpers/mls-author.ts'
import { createTestPeer } from './helpers/peer.ts'

/** SIGKILLs of the relay, each at a different point of a stream of envelopes. */
const KILLS = 30
const ENVELOPES_PER_FRAME = 8

describe('relay killed with SIGKILL during heavy traffic', function () {
  this.timeout(300_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []
  let sender: MeshLibp2p
  let author: MlsAuthor | undefined

  before(async () => {
    sender = await createTestPeer()
  })

  after(async () => {
    await author?.close()
    await sender.stop()
    await Promise.all(daemons.map((node) => node.stop('SIGKILL')))
    await folders.removeAll()
  })

  it(`keeps every envelope it acknowledged across ${KILLS} kills, and delivers each exactly once`, async () => {
    const [relay, recipient] = [await TestDaemon.create('B', folders), await TestDaemon.create('C', folders)]
    daemons.push(relay, recipient)
    await recipient.start()
    const writer = await MlsAuthor.to(recipient, 'A')
    author = writer
    await recipient.stop()
    const acknowledged = new Set<string>()
    let sent = 0
    for (let kill = 0; kill < KILLS; kill++) {
      await relay.start({ transport: 'tcp' })
      const stream = await sender.dialProtocol(multiaddr(relay.tcpAddress()), MESH_PROTOCOL)
      // A different kill point each time, the same every run: after 1 to 12 acknowledged frames.
      const killAfterAcks = 1 + ((kill * 7) % 12) * ENVELOPES_PER_FRAME
      let acksThisRound = 0
      const enoughAcks = new Promise<void>((resolve, reject) => {
        void (async () => {
          try {
            for await (const data of lp.decode(stream)) {
              for (const id of MeshFrame.decode(data).acks) {
                acknowledged.add(bytesToHex(id))
                if (++acksThisRound >= killAfterAcks) resolve()
              }
            }
            reject(new Error(`the relay ended the stream after ${acksThisRound} of ${killAfterAcks} acks`))
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)))
          }
        })()
      })
      stream.send(lp.encode.single(MeshFrame.encode(meshFrame({ hello: { tags: [] } }))))
      const pushing = (async () => {
        for (let round = 0; round < 40 && acksThisRound < killAfterAcks; round++) {
          const envelopes = await writer.envelopes(
            Array.from({ length: ENVELOPES_PER_FRAME }, () => `message ${sent++}`)
          )
          if (
            !stream.send(
              lp.encode.single(
                MeshFrame.encode(
                  meshFrame({ envelopes: envelopes.map((content) => encodeEnvelope(content, 4)) })
                )
              )
            )
          ) {
            await stream.onDrain()
          }
          await new Promise((resolve) => setImmediate(resolve))
        }
        // Sends fail once the relay is killed, which may come before this is awaited: that ends the pushing.
      })().catch(() => undefined)
      await enoughAcks
      await relay.stop('SIGKILL')
      await pushing
      stream.abort(new Error('relay killed'))
    }
    expect(acknowledged.size).to.be.greaterThan(KILLS)

    await relay.start()
    await recipient.start({ bootstrap: [relay.quicAddress()] })
    const ids = await waitForInboxIds(recipient, acknowledged)
    expect(new Set(ids).size, 'no envelope delivered twice').to.equal(ids.length)
  })
})
