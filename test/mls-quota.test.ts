import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { expect } from 'chai'
import * as lp from 'it-length-prefixed'
import { encodeMlsMessage } from 'ts-mls'
import { composeMlsEnvelopes, composeSealed } from '../node/src/daemon/index.ts'
import { KeyPackageBook } from '../node/src/directory/index.ts'
import { FirstText } from '../node/src/e2e/index.ts'
import { decodeAddress, encodeAddress, generateUserIdentity } from '../node/src/identity/index.ts'
import type { UserIdentity } from '../node/src/identity/index.ts'
import { MeshFrame, meshFrame } from '../node/src/mesh/index.ts'
import { MESH_PROTOCOL } from '../node/src/transport/index.ts'
import type { MeshLibp2p } from '../node/src/transport/index.ts'
import {
  ciphersuite,
  credentialIdentity,
  decodeInvite,
  decodeKeyPackage,
  decodeMessage,
  encodeKeyPackage,
  MlsClient,
  MlsService
} from '../node/src/mls/index.ts'
import type { MlsLimits, MlsStats } from '../node/src/mls/index.ts'
import { MlsPayload } from '../node/src/mls/payload.pb.ts'
import { encodeMlsPayload } from '../node/src/mls/outgoing.ts'
import { MlsStore } from '../node/src/mls/store.ts'
import { encodeEnvelope } from '../node/src/wire/index.ts'
import { cliJson, invite, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import { createTestPeer } from './helpers/peer.ts'

const HOUR = 60 * 60 * 1000

/** A real MLS private message of a 1:1 group to `recipientInvite`'s owner, as a template to forge from. */
async function templateMessage(folders: TestFolders, recipientInvite: string): Promise<Uint8Array> {
  const author = await MlsService.open(
    join(await folders.make('qpq-quota-author-'), 'mls'),
    identity('author')
  )
  try {
    const keyPackage = decodeInvite(recipientInvite)
    const sent = await author.sendDirect(
      credentialIdentity(keyPackage.leafNode.credential),
      'template',
      Date.now(),
      'normal',
      keyPackage
    )
    if (!('outgoing' in sent)) throw new Error('no group was started')
    const [message] = MlsPayload.decode(sent.outgoing[0]?.payload.subarray(1) ?? new Uint8Array()).messages
    if (message === undefined) throw new Error('no message in the payload')
    return message
  } finally {
    await author.close()
  }
}

/** An MLS payload whose one message claims `groupId` and `epoch`: it waits for a Welcome that never comes. */
function forged(template: Uint8Array, groupId: Uint8Array, epoch: bigint): Uint8Array {
  const message = decodeMessage(template)
  if (message.wireformat !== 'mls_private_message') throw new Error('the template is not a private message')
  const bytes = encodeMlsMessage({
    ...message,
    privateMessage: { ...message.privateMessage, groupId, epoch }
  })
  return encodeMlsPayload({ messages: [bytes] })
}

let identities = 0
function identity(name: string): UserIdentity {
  identities++
  return generateUserIdentity(`${name}-${identities}`)
}

const hexId = (n: number): string => n.toString(16).padStart(64, '0')

describe('MLS quotas', function () {
  this.timeout(120_000)
  const folders = new TestFolders()

  after(() => folders.removeAll())

  async function service(
    limits: Partial<MlsLimits>
  ): Promise<{ service: MlsService; path: string; user: UserIdentity }> {
    const path = join(await folders.make('qpq-quota-'), 'mls')
    const user = identity('target')
    return { service: await MlsService.open(path, user, { limits }), path, user }
  }

  describe('messages kept for an unknown group or a later epoch', () => {
    it('stay within the quota per group and in total, the oldest evicted, across a restart', async () => {
      const { service: probe } = await service({})
      const template = await templateMessage(folders, await probe.invite())
      const groups = Array.from({ length: 10 }, (_, i) => new Uint8Array(16).fill(i + 1))
      // The size of one kept message, to set the quotas in messages.
      await (await probe.receive(hexId(0), forged(template, groups[0]!, 5n), Date.now())).keep?.()
      const size = probe.stats.pendingBytes
      await probe.close()

      const limits = { maxPendingBytesPerGroup: 4 * size, maxPendingBytes: 12 * size }
      const { service: target, path, user } = await service(limits)
      const sent: string[] = []
      const keep = async (groupId: Uint8Array, epoch: bigint): Promise<void> => {
        const envelopeId = hexId(sent.length + 1)
        const received = await target.receive(envelopeId, forged(template, groupId, epoch), 1)
        expect(received.receiptSecret).to.equal(undefined)
        await received.keep?.()
        sent.push(envelopeId)
        expect(target.stats.pendingBytes).to.be.at.most(limits.maxPendingBytes)
      }
      // One group's flood: its four newest stay.
      for (let epoch = 1n; epoch <= 10n; epoch++) await keep(groups[0]!, epoch)
      expect(target.stats.pendingMessages).to.equal(4)
      expect(target.stats.quota['pending evicted']).to.equal(6)
      // Twenty more over nine other groups: the twelve newest of all stay.
      for (let i = 0; i < 20; i++) await keep(groups[1 + (i % 9)]!, BigInt(i + 1))
      const stats: MlsStats = target.stats
      expect(stats.pendingMessages).to.equal(12)
      expect(stats.quota['pending evicted']).to.equal(6 + 4 + 8)
      await target.close()

      // A restart knows their order: one more message evicts the oldest of them.
      const reopened = await MlsService.open(path, user, { limits })
      expect(reopened.stats.pendingMessages).to.equal(12)
      await (await reopened.receive(hexId(999), forged(template, groups[0]!, 99n), 1)).keep?.()
      await reopened.close()
      const store = new MlsStore(path)
      await store.open()
      const left: string[] = []
      for (const groupId of groups) {
        const taken = await store.takePending(Buffer.from(groupId).toString('hex'), 1000n)
        left.push(...taken.map((message) => message.envelopeId))
      }
      await store.close()
      expect(left.sort()).to.deep.equal([...sent.slice(-11), hexId(999)].sort())
    })

    it('refuses one larger than the quota by itself', async () => {
      const { service: probe } = await service({ maxPendingBytesPerGroup: 64 })
      const template = await templateMessage(folders, await probe.invite())
      await (await probe.receive(hexId(1), forged(template, new Uint8Array(16), 3n), 1)).keep?.()
      expect(probe.stats).to.deep.include({ pendingMessages: 0, pendingBytes: 0 })
      expect(probe.stats.quota['pending refused']).to.equal(1)
      await probe.close()
    })
  })

  describe("strangers' first texts", () => {
    /** Someone with a service of their own, and the key package their sealed first text to `to` carries. */
    async function stranger(
      to: Uint8Array
    ): Promise<{ service: MlsService; key: Uint8Array; keyPackage: Uint8Array }> {
      const who = identity('stranger')
      const own = await MlsService.open(join(await folders.make('qpq-quota-stranger-'), 'mls'), who)
      const sent = await own.sendDirect(to, 'hello', Date.now(), 'normal', undefined, true)
      if (!('sealed' in sent)) throw new Error('the first text was not sealed')
      return { service: own, key: who.publicKey, keyPackage: FirstText.decode(sent.sealed.body).keyPackage }
    }

    it('start groups within the hourly rate, evict the oldest unanswered, keep answered ones and contacts', async () => {
      const target = await service({ maxStrangerStartsPerHour: 5, maxUnansweredStrangers: 3 })
      const mls = target.service
      const targetKey = decodeAddress((await mls.createGroup('friends')).committer)
      // A friend in a group of ours before the flood.
      const friend = await stranger(targetKey)
      const friendInvite = decodeInvite(await friend.service.invite())
      const added = await mls.add('friends', [friendInvite], 0)
      const welcome = added.find((o) => encodeAddress(o.recipientKey) === encodeAddress(friend.key))
      await friend.service.receive(hexId(1), welcome!.payload, 0)

      const now = Date.now()
      const strangers = []
      for (let i = 0; i < 8; i++) strangers.push(await stranger(targetKey))
      // The first answers its Welcome: its group is no longer unanswered.
      const first = strangers[0]!
      const firstWelcome = await mls.firstTextArrived(first.key, decodeKeyPackage(first.keyPackage), now)
      expect(firstWelcome).to.have.length(1)
      await first.service.receive(hexId(2), firstWelcome[0]!.payload, now)
      const answer = await first.service.sendDirect(targetKey, 'thanks', now, 'normal')
      if (!('outgoing' in answer)) throw new Error('the stranger has no group')
      await mls.receive(hexId(3), answer.outgoing[0]!.payload, now)
      expect(mls.stats.unansweredStrangers).to.equal(0)

      const answered: number[] = []
      for (const other of strangers.slice(1)) {
        const out = await mls.firstTextArrived(other.key, decodeKeyPackage(other.keyPackage), now + 1)
        answered.push(out.length)
      }
      // Five starts an hour: the answered one and four more; three stay unanswered at most.
      expect(answered).to.deep.equal([1, 1, 1, 1, 0, 0, 0])
      const stats = mls.stats
      expect(stats.unansweredStrangers).to.equal(3)
      expect(stats.quota).to.deep.equal({ 'stranger text unanswered': 3, 'stranger group evicted': 1 })
      const direct = mls
        .list()
        .filter((group) => group.direct)
        .map((group) => group.name)
      expect(direct.sort()).to.deep.equal(
        [first, ...strangers.slice(2, 5)].map((s) => encodeAddress(s.key)).sort()
      )

      // The friend is no stranger: over the rate, its first text still starts the 1:1 group.
      const friendText = await friend.service.sendDirect(targetKey, 'hi', now, 'normal', undefined, true)
      if (!('sealed' in friendText)) throw new Error('the friend has a 1:1 group already')
      const friendKeyPackage = decodeKeyPackage(FirstText.decode(friendText.sealed.body).keyPackage)
      expect(await mls.firstTextArrived(friend.key, friendKeyPackage, now + 2)).to.have.length(1)
      // An hour on, strangers are served again.
      const late = strangers[7]!
      expect(
        await mls.firstTextArrived(late.key, decodeKeyPackage(late.keyPackage), now + HOUR + 2)
      ).to.have.length(1)
      expect(mls.stats.unansweredStrangers).to.equal(3)

      await Promise.all([mls, friend.service, ...strangers.map((s) => s.service)].map((s) => s.close()))
    })

    it('answer key-package requests of strangers within the same hourly rate', async () => {
      const { service: mls } = await service({ maxStrangerStartsPerHour: 2 })
      const asked = []
      for (let i = 0; i < 4; i++) asked.push(await mls.inviteFor(identity('asker').publicKey, 1))
      expect(asked.map((answer) => answer !== undefined)).to.deep.equal([true, true, false, false])
      expect(mls.stats.quota['stranger request unanswered']).to.equal(2)
      await mls.close()
    })
  })

  describe('the key-package directory', () => {
    it('cannot be churned past its bound by made-up identities, and keeps those in conversation', async () => {
      const contacts = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]
      const isContact = (key: Uint8Array): boolean => contacts.some((c) => Buffer.from(c).equals(key))
      const path = join(await folders.make('qpq-quota-directory-'), 'directory')
      const book = await KeyPackageBook.open(path, { maxIdentities: 10, perIdentity: 3 }, 0, isContact)
      const entry = (identity: Uint8Array) => ({
        identity,
        keyPackage: new Uint8Array(randomBytes(100)),
        notAfter: HOUR
      })
      await book.add(contacts.map(entry), 1)
      // 50 pulls of 20 made-up identities each, three key packages each.
      for (let pull = 0; pull < 50; pull++) {
        const made = Array.from({ length: 20 }, () => new Uint8Array(randomBytes(32)))
        await book.add(
          made.flatMap((identity) => [entry(identity), entry(identity), entry(identity)]),
          2 + pull
        )
        expect(book.size).to.be.at.most(10)
        expect(book.keyPackageCount).to.be.at.most(30)
      }
      for (const contact of contacts) expect(book.lookup(contact, 100)).not.to.equal(undefined)
      expect(book.evicted).to.equal(2 + 50 * 20 - 10)
      await book.close()
    })
  })

  describe('a daemon', () => {
    let target: TestDaemon
    let rogue: MeshLibp2p

    before(async () => {
      target = await TestDaemon.create('mls-quota', folders)
      await target.start({
        transport: 'tcp',
        env: { QPQ_RELAY_MAX_BYTES_PER_RECIPIENT: '1', QPQ_MLS_MAX_STRANGER_STARTS_PER_HOUR: '3' }
      })
      rogue = await createTestPeer()
    })

    after(async () => {
      await rogue.stop()
      await target.stop('SIGKILL')
    })

    interface Status {
      inbox: number
      droppedByReason: Record<string, number>
      mls: MlsStats
    }

    const status = (): Promise<Status> => cliJson<Status>(target.args('status'))

    async function send(contents: Uint8Array[]): Promise<void> {
      const stream = await rogue.dialProtocol(multiaddr(target.tcpAddress()), MESH_PROTOCOL)
      stream.send(lp.encode.single(MeshFrame.encode(meshFrame({ hello: { tags: [] } }))))
      stream.send(
        lp.encode.single(
          MeshFrame.encode(meshFrame({ envelopes: contents.map((c) => encodeEnvelope(c, 3)) }))
        )
      )
    }

    async function folderBytes(path: string): Promise<number> {
      let total = 0
      for (const file of await readdir(path)) total += (await stat(join(path, file))).size
      return total
    }

    it('writes nothing to the MLS store for envelopes the relay refused', async () => {
      const template = await templateMessage(folders, await invite(target))
      const recipientKey = decodeAddress(target.address)
      const mlsFolder = join(target.data, 'mls')
      const before = await folderBytes(mlsFolder)
      const outgoing = Array.from({ length: 40 }, (_, i) => ({
        recipientKey,
        payload: forged(template, new Uint8Array(randomBytes(16)), BigInt(i + 2)),
        receiptSecret: new Uint8Array(randomBytes(32)),
        priority: 'normal' as const
      }))
      const envelopes = composeMlsEnvelopes(outgoing, {
        now: Date.now(),
        ttl: HOUR,
        maxPayloadBytes: 262_144
      })
      await send(envelopes.map(({ content }) => content))
      const after = await waitFor('the target to refuse the 40 envelopes', async () => {
        const current = await status()
        return (current.droppedByReason['recipient quota'] ?? 0) >= 40 ? current : undefined
      })
      expect(after.mls.pendingMessages).to.equal(0)
      expect(await folderBytes(mlsFolder)).to.equal(before)
    })

    it("delivers strangers' first texts to the inbox, starting groups within the hourly rate", async () => {
      const recipientKey = decodeAddress(target.address)
      const suite = await ciphersuite()
      const contents: Uint8Array[] = []
      for (let i = 0; i < 8; i++) {
        const sender = identity('made-up')
        const bundle = await new MlsClient(sender, suite).createKeyPackage()
        const body = FirstText.encode({
          text: `hello ${i}`,
          messageId: new Uint8Array(randomBytes(32)),
          keyPackage: encodeKeyPackage(bundle.keyPackage)
        })
        const limits = { now: Date.now(), ttl: HOUR, maxPayloadBytes: 262_144 }
        contents.push(composeSealed(sender, recipientKey, 'first-text', body, limits, 'normal'))
      }
      const inboxBefore = (await status()).inbox
      await send(contents)
      const after = await waitFor('the first texts to be delivered and answered', async () => {
        const current = await status()
        const refused = current.mls.quota['stranger text unanswered'] ?? 0
        return current.inbox === inboxBefore + 8 && refused === 5 ? current : undefined
      })
      expect(after.mls.unansweredStrangers).to.equal(3)
      expect(target.log).to.match(/quota: stranger text unanswered/)
    })
  })
})
