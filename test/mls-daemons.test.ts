import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import { ClassicLevel } from 'classic-level'
import { MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { MESH_PROTOCOL } from '../node/src/transport/index.ts'
import { LevelStore } from '../node/src/storage/index.ts'
import type { StoredEnvelope } from '../node/src/queue/index.ts'
import { createEnvelopeContent, encodeEnvelope, readPayload } from '../node/src/wire/index.ts'
import { cli, cliJson, invite, ok, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import { createTestPeer } from './helpers/peer.ts'

interface InboxMessage {
  id: string
  from: string
  text: string
  group?: string
}

interface Group {
  id: string
  name: string
  epoch: number
  members: string[]
  removed: boolean
  proposed: string[]
}

const folders = new TestFolders()
const daemons: TestDaemon[] = []

async function daemon(name: string): Promise<TestDaemon> {
  const created = await TestDaemon.create(name, folders)
  daemons.push(created)
  return created
}

function waitForText(node: TestDaemon, text: string): Promise<InboxMessage> {
  return waitFor(`"${text}" in ${node.name}'s inbox`, async () => {
    const messages = await cliJson<InboxMessage[]>(node.args('inbox'))
    return messages.find((message) => message.text === text)
  })
}

function waitForGroup(node: TestDaemon, name: string, check: (group: Group) => boolean): Promise<Group> {
  return waitFor(`${node.name}'s group ${name}`, async () => {
    const groups = await cliJson<Group[]>(node.args('group', 'list'))
    return groups.find((group) => group.name === name && check(group))
  })
}

/** Every envelope held in a stopped daemon's store. */
async function storedEnvelopes(node: TestDaemon): Promise<StoredEnvelope[]> {
  const store = new LevelStore(join(node.data, 'store'))
  await store.open()
  try {
    const ids: string[] = []
    for await (const page of store.summaries('send')) ids.push(...page.map((summary) => summary.header.id))
    return (await store.getEnvelopes(ids)).filter((envelope) => envelope !== undefined)
  } finally {
    await store.close()
  }
}

/** Every key and value of a stopped daemon's LevelDB folder, decompressed by LevelDB itself. */
async function rawRecords(path: string): Promise<Uint8Array[]> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  try {
    return (await db.iterator().all()).flat()
  } finally {
    await db.close()
  }
}

afterEach(async () => {
  await Promise.all(daemons.splice(0).map((node) => node.stop('SIGKILL')))
})

after(async () => {
  await folders.removeAll()
})

describe('MLS conversations between daemons on 127.0.0.1', function () {
  this.timeout(240_000)

  it('1:1 from an invite through a relay that holds only ciphertext; replies in the same group', async () => {
    const [a, b, c] = [await daemon('A'), await daemon('B'), await daemon('C')]
    await b.start()
    await c.start()
    const cInvite = await invite(c)
    await c.stop()
    await a.start({ bootstrap: [b.quicAddress()] })
    const secretText = 'meet at the old mill at nine'
    await ok(a, 'send', cInvite, secretText)
    await waitFor('B to hold the envelope for C', async () => {
      const status = await cliJson<{ relay: number }>(b.args('status'))
      return status.relay >= 1 ? status : undefined
    })
    await b.stop()
    const held = await storedEnvelopes(b)
    expect(held).to.have.length.greaterThanOrEqual(1)
    const needle = Buffer.from(secretText)
    for (const record of await rawRecords(join(b.data, 'store'))) {
      expect(Buffer.from(record).includes(needle), 'plaintext in the relay store').to.equal(false)
    }
    await b.start({ listen: b.multiaddrs })
    await c.start({ bootstrap: [b.quicAddress()] })
    const first = await waitForText(c, secretText)
    expect(first.from).to.equal(a.address)
    expect(first.group).to.equal(undefined)
    await ok(c, 'send', a.address, 'nine is fine')
    expect((await waitForText(a, 'nine is fine')).from).to.equal(c.address)
    const groups = await cliJson<(Group & { direct: boolean })[]>(c.args('group', 'list'))
    expect(groups.map((group) => [group.direct, group.members.length])).to.deep.equal([[true, 2]])
  })

  it('a 5-member group over five daemons (relays A–B–C, D on A, E on B): a member offline across two epochs catches up, removal, a proposal, restart, tampering', async () => {
    const [a, b, c, d, e] = [
      await daemon('A'),
      await daemon('B'),
      await daemon('C'),
      await daemon('D'),
      await daemon('E')
    ]
    await b.start()
    await a.start({ bootstrap: [b.quicAddress()] })
    await c.start({ bootstrap: [b.quicAddress()] })
    await d.start({ bootstrap: [a.quicAddress()] })
    await e.start({ bootstrap: [b.quicAddress()] })
    const everyone = [a, b, c, d, e]
    await ok(a, 'group', 'create', 'team')
    const invites = []
    for (const node of [b, c, d, e]) invites.push(await invite(node))
    await ok(a, 'group', 'add', 'team', ...invites)
    for (const node of [b, c, d, e]) await waitForGroup(node, 'team', (group) => group.epoch === 1)
    await ok(a, 'group', 'send', 'team', 'hello team')
    for (const node of [b, c, d, e]) expect((await waitForText(node, 'hello team')).group).to.equal('team')

    // A change that makes no sense is refused with the reason and exit status 2.
    const refused = await cli(b.args('group', 'add', 'team', await invite(c)))
    expect(refused.code, refused.stderr).to.equal(2)
    expect(refused.stderr).to.include('a member of team already')

    // C goes offline; A removes B (epoch 2) and restarts; D, not the committer, proposes B back: A commits it
    // (epoch 3); A writes.
    await c.stop()
    await ok(a, 'group', 'remove', 'team', b.address)
    await waitForGroup(b, 'team', (group) => group.removed)
    await ok(a, 'group', 'send', 'team', 'B cannot read this')
    await a.stop()
    await a.start({ bootstrap: [b.quicAddress()], listen: a.multiaddrs })
    await waitForGroup(d, 'team', (group) => group.epoch === 2)
    expect(await ok(d, 'group', 'add', 'team', await invite(b))).to.include('proposed to the committer')
    await waitForGroup(b, 'team', (group) => group.epoch === 3 && !group.removed)
    await ok(a, 'group', 'send', 'team', 'welcome back B')
    await waitForText(b, 'welcome back B')
    const bInbox = await cliJson<InboxMessage[]>(b.args('inbox'))
    expect(bInbox.map((message) => message.text)).to.not.include('B cannot read this')

    // Partition: C, cut off, writes in epoch 1; A commits nothing more, B writes in epoch 3.
    await c.start()
    await ok(c, 'group', 'send', 'team', 'written in the partition')
    await c.stop()

    // Tampered ciphertext for C: a copy of what B holds for C with one byte flipped, pushed by a rogue peer.
    await b.stop()
    const forC = (await storedEnvelopes(b)).find((envelope) => envelope.header.tag !== '')
    if (forC === undefined) throw new Error('B holds nothing for C')
    const payload = readPayload(forC.content).slice()
    payload[payload.length - 10] = (payload.at(-10) ?? 0) ^ 0xff
    const tampered = createEnvelopeContent({
      tag: Buffer.from(forC.header.tag, 'hex'),
      expiresAt: Date.now() + 3_600_000,
      priority: 'normal',
      receiptHash: sha256(new Uint8Array(randomBytes(32))),
      payload
    }).content
    await c.start({ transport: 'tcp' })
    const rogue = await createTestPeer()
    try {
      const stream = await rogue.dialProtocol(multiaddr(c.tcpAddress()), MESH_PROTOCOL)
      stream.send(lp.encode.single(MeshFrame.encode(meshFrame({ hello: { tags: [] } }))))
      stream.send(lp.encode.single(MeshFrame.encode(meshFrame({ envelopes: [encodeEnvelope(tampered, 3)] }))))
      await waitFor('C to log the tampered envelope', () =>
        Promise.resolve(/carries our tag but does not open/.test(c.log) ? true : undefined)
      )
      await stream.close()
    } finally {
      await rogue.stop()
    }
    expect((await cli(c.args('status'))).code).to.equal(0)

    // Healing: C reaches B again, catches up two epochs, reads what was sent; A reads C's partition message.
    await b.start({ listen: b.multiaddrs })
    await c.stop()
    await c.start({ bootstrap: [b.quicAddress()] })
    expect((await waitForText(c, 'welcome back B')).group).to.equal('team')
    await waitForGroup(c, 'team', (group) => group.epoch === 3)
    expect((await waitForText(a, 'written in the partition')).from).to.equal(c.address)
    const cInbox = await cliJson<InboxMessage[]>(c.args('inbox'))
    expect(cInbox.filter((message) => message.text === 'B cannot read this')).to.have.length(1)
    for (const node of everyone) {
      const info = await waitForGroup(node, 'team', (group) => group.epoch === 3)
      expect(info.members).to.have.members(everyone.map((member) => member.address))
    }
    // B's leaf of epoch 1 left with its removal: of the others, only D and E read C's epoch-1 text.
    for (const node of [d, e]) await waitForText(node, 'written in the partition')

    // By address alone: D, not the committer, proposes the add at once when its key-package directory holds
    // one of C's (pulled from its peers), else asks C for one over the mesh (sealed) and proposes when C
    // answers; A commits it either way.
    await ok(a, 'group', 'create', 'by-address')
    await ok(a, 'group', 'add', 'by-address', await invite(d))
    await waitForGroup(d, 'by-address', (group) => group.epoch === 1)
    expect(await ok(d, 'group', 'add', 'by-address', c.address)).to.match(
      new RegExp(
        `by-address: proposed to the committer|asked ${c.address} for a key package; the add is proposed to the committer when it answers`
      )
    )
    await waitForGroup(c, 'by-address', (group) => group.epoch === 2)
    await ok(a, 'group', 'send', 'by-address', 'found you by your address')
    expect((await waitForText(c, 'found you by your address')).group).to.equal('by-address')
  })

  it('a partition: the committer commits on one side while a member proposes on the other; both changes apply after healing', async () => {
    const [a, b, c, d] = [await daemon('A'), await daemon('B'), await daemon('C'), await daemon('D')]
    await b.start()
    await a.start({ bootstrap: [b.quicAddress()] })
    await c.start({ bootstrap: [b.quicAddress()] })
    await ok(a, 'group', 'create', 'split')
    await ok(a, 'group', 'add', 'split', await invite(b), await invite(c))
    for (const node of [b, c]) await waitForGroup(node, 'split', (group) => group.epoch === 1)

    // Two sides: A with the newcomer D, cut off from B and C (A comes back on a port only D learns).
    await a.stop()
    await d.start()
    await a.start({ bootstrap: [d.quicAddress()] })
    await ok(a, 'group', 'add', 'split', await invite(d))
    await waitForGroup(d, 'split', (group) => group.epoch === 2)
    await ok(a, 'group', 'send', 'split', 'side one')
    await waitForText(d, 'side one')
    // Meanwhile B proposes C's removal in epoch 1, and C writes in epoch 1.
    expect(await ok(b, 'group', 'remove', 'split', c.address)).to.include('proposed to the committer')
    const waiting = await cliJson<Group>(b.args('group', 'info', 'split'))
    expect([waiting.epoch, waiting.proposed]).to.deep.equal([1, [`remove ${c.address}`]])
    await ok(c, 'group', 'send', 'split', 'side two')

    // Healing: A reaches B. A drops B's proposal of epoch 1; B, on seeing epoch 2, proposes again; A commits.
    await a.stop()
    await a.start({ bootstrap: [d.quicAddress(), b.quicAddress()], listen: a.multiaddrs })
    await waitFor('A to drop the proposal of epoch 1', () =>
      Promise.resolve(/dropped a proposal of \S+ in group \S+: of epoch 1,/.test(a.log) ? true : undefined)
    )
    await waitForGroup(c, 'split', (group) => group.removed)
    for (const node of [a, b, d]) {
      const info = await waitForGroup(node, 'split', (group) => group.epoch === 3)
      expect([info.members, info.proposed]).to.deep.equal([
        (await cliJson<Group>(a.args('group', 'info', 'split'))).members,
        []
      ])
      expect(info.members).to.have.members([a.address, b.address, d.address])
    }
    expect((await waitForText(a, 'side two')).from).to.equal(c.address)
    await ok(d, 'group', 'send', 'split', 'from the newcomer')
    for (const node of [a, b]) await waitForText(node, 'from the newcomer')
    await ok(b, 'group', 'send', 'split', 'from the proposer')
    for (const node of [a, d]) await waitForText(node, 'from the proposer')
  })
})
