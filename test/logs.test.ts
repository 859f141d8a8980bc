import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import { IDS_PER_FRAME, MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { MESH_PROTOCOL } from '../node/src/transport/index.ts'
import type { MeshLibp2p } from '../node/src/transport/index.ts'
import { encodeEnvelope, envelopeId } from '../node/src/wire/index.ts'
import { cliJson, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import { MlsAuthor } from './helpers/mls-author.ts'
import { createTestPeer } from './helpers/peer.ts'

interface Status {
  inbox: number
  dropped: number
  malformedFrames: number
}

interface Id {
  peerId: string
  multiaddrs: string[]
}

/** As many as one frame may carry: the engine leaves out the rest unread. */
const FLOOD_ENVELOPES = IDS_PER_FRAME
const MALFORMED_FRAMES = 1000

describe("the daemon's log", function () {
  this.timeout(90_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []
  const peers: MeshLibp2p[] = []

  after(async () => {
    for (const peer of peers) await peer.stop()
    await Promise.all(daemons.map((daemon) => daemon.stop('SIGKILL')))
    await folders.removeAll()
  })

  async function start(
    name: string,
    env: NodeJS.ProcessEnv,
    redact = false
  ): Promise<{ daemon: TestDaemon; id: Id }> {
    const daemon = await TestDaemon.create(name, folders)
    daemons.push(daemon)
    await daemon.start({ transport: 'tcp', env, args: redact ? ['--redact-logs'] : [] })
    return { daemon, id: await cliJson<Id>(daemon.args('id')) }
  }

  /** A bare peer's mesh stream to `id`'s TCP address, past the hello. */
  async function rogueStream(id: Id) {
    const rogue = await createTestPeer()
    peers.push(rogue)
    const address = id.multiaddrs.find((candidate) => candidate.includes('/tcp/'))
    if (address === undefined) throw new Error('the daemon does not listen on TCP')
    const stream = await rogue.dialProtocol(multiaddr(address), MESH_PROTOCOL)
    stream.send(lp.encode.single(MeshFrame.encode(meshFrame({ hello: { tags: [] } }))))
    return { rogue: rogue.peerId.toString(), stream }
  }

  function status(daemon: TestDaemon): Promise<Status> {
    return cliJson<Status>(daemon.args('status'))
  }

  it('summarises a flood of bad envelopes and frames from one peer in a few lines', async () => {
    // The rogue would be banned long before its thousandth bad frame; this test is about the log.
    const { daemon, id } = await start('flooded', {
      QPQ_LOG_SUMMARY_INTERVAL: '1000',
      QPQ_NETWORK_BAN_THRESHOLD: '1000000'
    })
    const { rogue, stream } = await rogueStream(id)
    const empty = new Uint8Array(0)
    stream.send(
      lp.encode.single(
        MeshFrame.encode(meshFrame({ envelopes: Array.from({ length: FLOOD_ENVELOPES }, () => empty) }))
      )
    )
    for (let i = 0; i < MALFORMED_FRAMES; i++)
      stream.send(lp.encode.single(new Uint8Array([0xff, 0x01, 0x02])))
    const after = await waitFor('the daemon to drop the flood', async () => {
      const current = await status(daemon)
      return current.dropped >= FLOOD_ENVELOPES && current.malformedFrames >= MALFORMED_FRAMES
        ? current
        : undefined
    })
    expect(after.dropped).to.equal(FLOOD_ENVELOPES)
    expect(after.malformedFrames).to.equal(MALFORMED_FRAMES)
    await waitFor('the summary lines', () =>
      Promise.resolve(
        /more malformed frames from/.test(daemon.log) && /more envelopes from/.test(daemon.log)
          ? true
          : undefined
      )
    )
    const lines = daemon.log.split('\n').filter((line) => line.includes(rogue))
    const dropped = lines.filter((line) => line.includes('dropped'))
    expect(lines.length, lines.join('\n')).to.be.at.most(6)
    expect(dropped.some((line) => line.includes(`dropped an envelope from ${rogue}: malformed (`))).to.equal(
      true
    )
    expect(
      dropped.some((line) =>
        line.includes(`dropped ${FLOOD_ENVELOPES - 1} more envelopes from ${rogue}: malformed (last 1 s)`)
      )
    ).to.equal(true)
    expect(
      lines.some((line) =>
        line.includes(`${MALFORMED_FRAMES - 1} more malformed frames from ${rogue} (last 1 s)`)
      )
    ).to.equal(true)
    expect(daemon.log.split('\n').length).to.be.below(40)
    await stream.close()
  })

  /** Contact, a malformed and a delivered envelope, the same again (logged with its id), a malformed frame. */
  async function exercise(name: string, args: { env?: NodeJS.ProcessEnv; redact: boolean }) {
    const { daemon, id } = await start(name, args.env ?? {}, args.redact)
    const author = await MlsAuthor.to(daemon, 'mallory')
    try {
      const { rogue, stream } = await rogueStream(id)
      const [good] = await author.envelopes(['seen in the log by its id'])
      if (good === undefined) throw new Error('no envelope')
      const envelopes = [new Uint8Array(randomBytes(100)), encodeEnvelope(good, 3)]
      stream.send(lp.encode.single(MeshFrame.encode(meshFrame({ envelopes }))))
      stream.send(lp.encode.single(MeshFrame.encode(meshFrame({ envelopes }))))
      stream.send(lp.encode.single(new Uint8Array([0xff, 0x01, 0x02])))
      await waitFor(`${name} to take the frames`, async () => {
        const current = await status(daemon)
        return current.inbox === 1 && current.dropped >= 3 && current.malformedFrames === 1 ? true : undefined
      })
      await stream.close()
      const identifiers = [rogue, id.peerId, envelopeId(good), ...id.multiaddrs, '127.0.0.1']
      return { log: daemon.log, identifiers }
    } finally {
      await author.close()
    }
  }

  it('shows no peer id, address or envelope id with --redact-logs, nor seconds', async () => {
    const plain = await exercise('plain', { redact: false })
    for (const identifier of plain.identifiers) expect(plain.log, identifier).to.include(identifier)
    expect(plain.log).to.match(/T\d\d:\d\d:\d\d/)

    const redacted = await exercise('redacted', { env: { QPQ_LOG_REDACT: 'false' }, redact: true })
    for (const identifier of redacted.identifiers) expect(redacted.log, identifier).not.to.include(identifier)
    expect(redacted.log).not.to.match(/\d\d:\d\d:\d\d/)
    expect(redacted.log).not.to.match(/[0-9a-f]{32}/)
    expect(redacted.log).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ qpq:mesh contact up with #\S{10}$/m)
    expect(redacted.log).to.match(/dropped envelope #\S{10} from #\S{10}: already delivered/)
  })
})
