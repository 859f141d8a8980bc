import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import {
  KEY_PACKAGE_PROTOCOL,
  KeyPackageAnswer,
  KeyPackageDirectory,
  KeyPackageSummary,
  MAX_ANSWER_KEY_PACKAGES
} from '../node/src/directory/index.ts'
import { decodeAddress } from '../node/src/identity/index.ts'
import type { MeshLibp2p } from '../node/src/transport/index.ts'
import {
  decodeKeyPackage,
  encodeKeyPackage,
  MAX_KEY_PACKAGE_BYTES,
  verifiedKeyPackage
} from '../node/src/mls/index.ts'
import { cliJson, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import { pullEverything } from './helpers/key-package-pull.ts'
import { keyPackage, secondsFromNow, signer } from './helpers/key-packages.ts'
import { createTestPeer } from './helpers/peer.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** The hex identities of the key packages in `answer` that verify, with how many each. */
async function owners(answer: Uint8Array[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (const bytes of answer) {
    const verified = await verifiedKeyPackage(bytes, Date.now())
    if (verified === undefined) throw new Error('a node handed on a key package that does not verify')
    const owner = hex(verified.identity)
    counts.set(owner, (counts.get(owner) ?? 0) + 1)
  }
  return counts
}

describe('key-package directory between daemons', function () {
  this.timeout(90_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []
  const peers: MeshLibp2p[] = []
  const directories: KeyPackageDirectory[] = []

  async function daemon(name: string): Promise<TestDaemon> {
    const node = await TestDaemon.create(name, folders)
    daemons.push(node)
    return node
  }

  async function peer(): Promise<MeshLibp2p> {
    const node = await createTestPeer()
    peers.push(node)
    return node
  }

  after(async () => {
    await Promise.allSettled(directories.map((directory) => directory.stop()))
    for (const node of peers) await node.stop()
    await Promise.allSettled(daemons.map((node) => node.stop('SIGKILL')))
    await folders.removeAll()
  })

  it('gives a newcomer a key package of someone who left before it came, through a node both met', async () => {
    const b = await daemon('B')
    await b.start({ transport: 'tcp' })
    const c = await daemon('C')
    await c.start({ transport: 'tcp', bootstrap: [b.tcpAddress()] })
    const cIdentity = decodeAddress(c.address)
    const probe = await peer()
    const fromC = await owners(await pullEverything(probe, multiaddr(c.tcpAddress())))
    expect(
      fromC.get(hex(cIdentity)),
      'C announces its last-resort key package and two one-time ones'
    ).to.equal(3)
    await waitFor("B to learn C's key packages", async () => {
      const fromB = await owners(await pullEverything(probe, multiaddr(b.tcpAddress())))
      return fromB.get(hex(cIdentity)) === 3 ? true : undefined
    })
    await probe.stop()
    await c.stop()

    const a = await peer()
    const directory = new KeyPackageDirectory(
      { libp2p: a },
      {
        path: join(await folders.make('qpq-A-'), 'directory'),
        identity: signer('A').publicKey,
        own: () => []
      }
    )
    directories.push(directory)
    await directory.start()
    await a.dial(multiaddr(b.tcpAddress()))
    const found = await waitFor("A to learn C's key package from B", () =>
      Promise.resolve(directory.lookup(cIdentity, Date.now()))
    )
    expect((await verifiedKeyPackage(found, Date.now()))?.identity).to.deep.equal(cIdentity)
    expect(directory.counts()).to.deep.equal({ identities: 2, keyPackages: 6 })
    expect(directory.stats.rejected).to.equal(0)
  })

  it('keeps nothing unverified from a hostile peer, holds its limits and stays up', async () => {
    const target = await daemon('target')
    await target.start({ transport: 'tcp', env: { QPQ_DIRECTORY_PULL_INTERVAL: '1000' } })
    const mallory = signer('mallory')
    const valid = await Promise.all(Array.from({ length: 5 }, () => keyPackage(mallory)))
    const tampered = decodeKeyPackage(await keyPackage(mallory))
    tampered.initKey[0] = (tampered.initKey[0] ?? 0) ^ 1
    const garbage = [
      new Uint8Array(randomBytes(200)),
      new Uint8Array(randomBytes(MAX_KEY_PACKAGE_BYTES + 1)),
      encodeKeyPackage(tampered),
      await keyPackage(mallory, { credentialIdentity: signer('victim').publicKey }),
      await keyPackage(mallory, { lifetime: { notBefore: 0n, notAfter: secondsFromNow(-60_000) } })
    ]
    const tooMany = Array.from({ length: MAX_ANSWER_KEY_PACKAGES + 1 }, () => valid[0]!)
    /** What the rogue answers to the target's pulls, in turn; then nothing. */
    const answers: (Uint8Array[] | 'oversize')[] = [[...garbage, ...valid], tooMany, 'oversize']
    let pulls = 0
    const rogue = await peer()
    await rogue.handle(KEY_PACKAGE_PROTOCOL, async (stream) => {
      const messages = pbStream(stream)
      await messages.read(KeyPackageSummary)
      const answer = answers[pulls++] ?? []
      if (answer === 'oversize')
        messages.unwrap().send(lp.encode.single(new Uint8Array(300 * 1024)).subarray())
      else await messages.write({ keyPackages: answer }, KeyPackageAnswer)
      await stream.close()
    })
    await rogue.dial(multiaddr(target.tcpAddress()))
    await waitFor('the target to pull from the rogue four times', () =>
      Promise.resolve(pulls >= 4 ? true : undefined)
    )
    expect(target.log).to.match(/dropped 5 key packages from \S+ that did not verify/)
    expect(target.log.match(/pull from \S+ failed/g)).to.have.length.of.at.least(2)

    for (const bad of [
      new Uint8Array(randomBytes(64)),
      lp.encode.single(new Uint8Array(400 * 1024)).subarray()
    ]) {
      const stream = await rogue.dialProtocol(multiaddr(target.tcpAddress()), KEY_PACKAGE_PROTOCOL)
      stream.send(bad)
      await stream.close().catch(() => undefined)
    }
    const held = await owners(await pullEverything(rogue, multiaddr(target.tcpAddress())))
    expect(held.get(hex(mallory.publicKey)), "three of mallory's, the newest").to.equal(3)
    expect(held.get(hex(decodeAddress(target.address)))).to.equal(3)
    expect(held.size).to.equal(2)
    const status = await cliJson<{ address: string }>(target.args('status'))
    expect(status.address).to.equal(target.address)
  })
})
