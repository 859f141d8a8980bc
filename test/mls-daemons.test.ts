import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import { ClassicLevel } from 'classic-level'
import { MESH_PROTOCOL, MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { LevelStore } from '../node/src/queue/index.ts'
import type { StoredEnvelope } from '../node/src/queue/index.ts'
import { createEnvelopeContent, encodeEnvelope, readPayload } from '../node/src/wire/index.ts'
import { cli, cliJson, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
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
}

const folders = new TestFolders()
const daemons: TestDaemon[] = []

async function daemon(name: string): Promise<TestDaemon> {
  const created = await TestDaemon.create(name, folders)
  daemons.push(created)
  return created
}

async function ok(node: TestDaemon, ...args: string[]): Promise<string> {
  const result = await cli(node.args(...args))
  expect(result.code, `${node.name} ${args.join(' ')}: ${result.stderr}`).to.equal(0)
  return result.stdout.trim()
}

async function invite(node: TestDaemon): Promise<string> {
  return ok(node, 'invite')
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

  it('a group over three daemons: a member offline across two epochs catches up, removal, restart, partition, tampering', async () => {
    const [a, b, c] = [await daemon('A'), await daemon('B'), await daemon('C')]
    await b.start()
    await a.start({ bootstrap: [b.quicAddress()] })
    await c.start({ bootstrap: [b.quicAddress()] })
    await ok(a, 'group', 'create', 'team')
    await ok(a, 'group', 'add', 'team', await invite(b), await invite(c))
    await waitForGroup(b, 'team', (group) => group.epoch === 1)
    await waitForGroup(c, 'team', (group) => group.epoch === 1)
    await ok(a, 'group', 'send', 'team', 'hello team')
    for (const node of [b, c]) expect((await waitForText(node, 'hello team')).group).to.equal('team')

    // Only the creator commits: B is refused, with the reason, and exit status 2.
    const refused = await cli(b.args('group', 'add', 'team', await invite(c)))
    expect(refused.code, refused.stderr).to.equal(2)
    expect(refused.stderr).to.include('only the group')

    // C goes offline; A removes B (epoch 2), restarts, adds B back (epoch 3) and writes.
    await c.stop()
    await ok(a, 'group', 'remove', 'team', b.address)
    await waitForGroup(b, 'team', (group) => group.removed)
    await ok(a, 'group', 'send', 'team', 'B cannot read this')
    await a.stop()
    await a.start({ bootstrap: [b.quicAddress()], listen: a.multiaddrs })
    await ok(a, 'group', 'add', 'team', await invite(b))
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
    const info = await cliJson<Group>(c.args('group', 'info', 'team'))
    expect(info.members).to.have.members([a.address, b.address, c.address])

    // By address alone: A asks C for a key package over the mesh (sealed), C answers, A adds C.
    await ok(a, 'group', 'create', 'by-address')
    expect(await ok(a, 'group', 'add', 'by-address', c.address)).to.include(`asked ${c.address}`)
    await waitForGroup(c, 'by-address', (group) => group.epoch === 1)
    await ok(a, 'group', 'send', 'by-address', 'found you by your address')
    expect((await waitForText(c, 'found you by your address')).group).to.equal('by-address')
  })
})
