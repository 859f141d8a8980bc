import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { expect } from 'chai'
import { encodeAddress, generateUserIdentity } from '../node/src/identity/index.ts'
import type { UserIdentity } from '../node/src/identity/index.ts'
import { FirstText } from '../node/src/e2e/index.ts'
import {
  ciphersuite,
  credentialIdentity,
  decodeInvite,
  decodeKeyPackage,
  decodeState,
  GroupCommandError,
  MlsClient,
  MlsRejectedError,
  MlsService
} from '../node/src/mls/index.ts'
import type { GroupText, Outgoing } from '../node/src/mls/index.ts'
import { encodeMlsPayload } from '../node/src/mls/outgoing.ts'
import { MlsStore } from '../node/src/mls/store.ts'

interface User {
  identity: UserIdentity
  dir: string
  service: MlsService
}

describe('MLS service: groups, delay tolerance and persistence', function () {
  this.timeout(60_000)
  let root: string
  const users: User[] = []
  let envelopes = 0

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'qpq-mls-service-'))
  })

  after(async () => {
    await Promise.all(users.map((user) => user.service.close()))
    await rm(root, { recursive: true, force: true })
  })

  async function user(name: string): Promise<User> {
    const identity = generateUserIdentity(name)
    const dir = join(root, name)
    const created = { identity, dir, service: await MlsService.open(dir, identity) }
    users.push(created)
    return created
  }

  const to = (outgoing: Outgoing[], who: User): Outgoing => {
    const found = outgoing.find(
      (o) => encodeAddress(o.recipientKey) === encodeAddress(who.identity.publicKey)
    )
    if (found === undefined) throw new Error(`nothing for ${who.identity.name}`)
    return found
  }

  /** Delivers one outgoing payload, checking the receipt secret matches the sender's when there is one. */
  async function receive(outgoing: Outgoing, who: User): Promise<Awaited<ReturnType<MlsService['receive']>>> {
    envelopes++
    const id = createHash('sha256').update(`envelope ${envelopes}`).digest('hex')
    const received = await who.service.receive(id, outgoing.payload, Date.now())
    // As the engine does once it has kept the copy of an envelope that waits for its epoch.
    await received.keep?.()
    if (received.receiptSecret !== undefined)
      expect(Buffer.from(received.receiptSecret).equals(Buffer.from(outgoing.receiptSecret))).to.equal(true)
    return received
  }

  async function deliver(outgoing: Outgoing, who: User): Promise<GroupText[]> {
    return (await receive(outgoing, who)).texts
  }

  const address = (who: User): string => encodeAddress(who.identity.publicKey)

  it('answers a sealed first text with a Welcome, and lets two senders use one key package', async () => {
    const [alice, bob, carol] = [await user('first-a'), await user('first-b'), await user('first-c')]
    const sent = await alice.service.sendDirect(
      bob.identity.publicKey,
      'hi',
      Date.now(),
      'normal',
      undefined,
      true
    )
    if (!('sealed' in sent)) throw new Error('the first text was not sealed')
    const first = FirstText.decode(sent.sealed.body)
    expect(first.text).to.equal('hi')
    const aliceKeyPackage = decodeKeyPackage(first.keyPackage)
    expect(() =>
      bob.service.firstTextArrived(carol.identity.publicKey, aliceKeyPackage, Date.now())
    ).to.throw(MlsRejectedError)
    const welcome = await bob.service.firstTextArrived(alice.identity.publicKey, aliceKeyPackage, Date.now())
    await deliver(to(welcome, alice), alice)
    expect(alice.service.list().map((group) => [group.direct, group.name])).to.deep.equal([
      [true, address(bob)]
    ])
    const reply = await alice.service.sendDirect(
      bob.identity.publicKey,
      'in MLS',
      Date.now(),
      'normal',
      undefined,
      true
    )
    if (!('outgoing' in reply)) throw new Error('the second text did not go in the group')
    expect((await deliver(to(reply.outgoing, bob), bob)).map((text) => text.text)).to.deep.equal(['in MLS'])
    // Carol got the same one-time key package of Alice's (a copy from the directory): it still opens.
    const fromCarol = await carol.service.sendDirect(
      alice.identity.publicKey,
      'me too',
      Date.now(),
      'normal',
      aliceKeyPackage
    )
    if (!('outgoing' in fromCarol)) throw new Error('no group with the key package')
    expect((await deliver(to(fromCarol.outgoing, alice), alice)).map((text) => text.text)).to.deep.equal([
      'me too'
    ])
  })

  it('refuses an invite used twice and a text over the envelope limit, keeping no group', async () => {
    const [alice, bob] = [await user('limit-a'), await user('limit-b')]
    const invite = decodeInvite(await bob.service.invite())
    await alice.service.createGroup('one')
    await alice.service.createGroup('two')
    await alice.service.add('one', [invite], Date.now())
    try {
      await alice.service.add('two', [invite], Date.now())
      expect.fail('a used invite was taken')
    } catch (err) {
      expect(err).to.be.instanceOf(GroupCommandError)
      expect((err as Error).message).to.include('was used already')
    }
    const small = await MlsService.open(join(root, 'limit-small'), generateUserIdentity('limit-small'), {
      maxPayloadBytes: 1024
    })
    try {
      const carol = decodeInvite(await (await user('limit-c')).service.invite())
      try {
        await small.sendDirect(
          credentialIdentity(carol.leafNode.credential),
          'x'.repeat(5000),
          Date.now(),
          'normal',
          carol
        )
        expect.fail('an oversize text was taken')
      } catch (err) {
        expect((err as Error).name).to.equal('OversizeEnvelopeError')
      }
      expect(small.list()).to.deep.equal([])
    } finally {
      await small.close()
    }
  })

  it('adds from invites, carries texts, restarts, keeps early messages for their epoch and removes', async () => {
    const [alice, bob, carol, dave] = [
      await user('alice'),
      await user('bob'),
      await user('carol'),
      await user('dave')
    ]
    expect((await stat(alice.dir)).mode & 0o777).to.equal(0o700)
    await alice.service.createGroup('friends')
    const invites = [await bob.service.invite(), await carol.service.invite(), await dave.service.invite()]
    const added = await alice.service.add('friends', invites.map(decodeInvite), Date.now())
    expect(added.every((o) => o.priority === 'critical')).to.equal(true)
    for (const member of [bob, carol, dave]) await deliver(to(added, member), member)
    expect(bob.service.info('friends')).to.include({ name: 'friends', epoch: 1 })
    expect(bob.service.info('friends').members).to.have.length(4)

    const hello = await bob.service.send('friends', 'hello all', Date.now())
    expect(hello.every((o) => o.priority === 'normal')).to.equal(true)
    const read = await deliver(to(hello, alice), alice)
    expect(read.map((t) => [t.group, t.text, encodeAddress(t.from)])).to.deep.equal([
      ['friends', 'hello all', encodeAddress(bob.identity.publicKey)]
    ])

    // Carol is offline for two epochs: a removal of Dave, then a text, then a second change.
    const late = await carol.service.send('friends', 'written before the removal', Date.now())
    const removal = await alice.service.remove('friends', [dave.identity.publicKey], Date.now())
    const afterRemoval = await alice.service.send('friends', 'dave is gone', Date.now())
    const eve = await user('eve')
    const second = await alice.service.add('friends', [decodeInvite(await eve.service.invite())], Date.now())
    await deliver(to(second, eve), eve)
    // Alice reads Carol's message of the previous epoch.
    expect((await deliver(to(late, alice), alice)).map((t) => t.text)).to.deep.equal([
      'written before the removal'
    ])
    // Dave learns it is out, and cannot read what follows.
    await deliver(to(removal, dave), dave)
    expect(dave.service.info('friends').removed).to.equal(true)
    // Carol restarts, then gets everything newest first.
    await carol.service.close()
    carol.service = await MlsService.open(carol.dir, carol.identity)
    expect(await deliver(to(second, carol), carol)).to.deep.equal([])
    expect(await deliver(to(afterRemoval, carol), carol)).to.deep.equal([])
    const caught = await deliver(to(removal, carol), carol)
    expect(caught.map((t) => t.text)).to.deep.equal(['dave is gone'])
    expect(carol.service.info('friends')).to.include({ epoch: 3 })
    expect(carol.service.info('friends').members).to.have.length(4)
  })

  it('members propose, the committer commits by reference; a stale proposal is proposed again', async () => {
    const [alice, bob, carol, dave, eve] = [
      await user('alice-p'),
      await user('bob-p'),
      await user('carol-p'),
      await user('dave-p'),
      await user('eve-p')
    ]
    await alice.service.createGroup('club')
    const added = await alice.service.add(
      'club',
      [decodeInvite(await bob.service.invite()), decodeInvite(await carol.service.invite())],
      Date.now()
    )
    for (const member of [bob, carol]) await deliver(to(added, member), member)

    // Bob proposes Dave: one critical envelope, to Alice alone; he still writes while it waits.
    const proposal = await bob.service.add('club', [decodeInvite(await dave.service.invite())], Date.now())
    expect(proposal.map((o) => [encodeAddress(o.recipientKey), o.priority])).to.deep.equal([
      [address(alice), 'critical']
    ])
    expect(bob.service.info('club')).to.deep.include({ epoch: 1, proposed: [`add ${address(dave)}`] })
    const meanwhile = await bob.service.send('club', 'still writing', Date.now())
    // Bob restarts: not knowing whether the envelope left, he sends the proposal again; Alice commits the first
    // and drops the second as stale.
    await bob.service.close()
    bob.service = await MlsService.open(bob.dir, bob.identity)
    const resent = await bob.service.resume(Date.now())
    expect(resent.map((o) => encodeAddress(o.recipientKey))).to.deep.equal([address(alice)])
    const commit = (await receive(to(proposal, alice), alice)).outgoing
    expect((await receive(to(resent, alice), alice)).outgoing).to.deep.equal([])
    expect(alice.service.info('club').epoch).to.equal(2)
    expect((await deliver(to(meanwhile, alice), alice)).map((t) => t.text)).to.deep.equal(['still writing'])
    for (const member of [bob, carol, dave]) {
      expect((await receive(to(commit, member), member)).outgoing).to.deep.equal([])
      expect(member.service.info('club')).to.deep.include({ epoch: 2, proposed: [] })
      expect(member.service.info('club').members).to.have.members([alice, bob, carol, dave].map(address))
    }

    // Partition: Alice removes Carol (epoch 3) while Bob, still in epoch 2, proposes Eve and Carol's removal.
    const removal = await alice.service.remove('club', [carol.identity.publicKey], Date.now())
    const stale = await bob.service.add('club', [decodeInvite(await eve.service.invite())], Date.now())
    const staleRemoval = await bob.service.remove('club', [carol.identity.publicKey], Date.now())
    expect(bob.service.info('club').proposed).to.deep.equal([
      `add ${address(eve)}`,
      `remove ${address(carol)}`
    ])
    // Healing: Alice drops proposals of a past epoch; Bob, on the new epoch, proposes again what is left.
    for (const late of [stale, staleRemoval]) {
      const dropped = await receive(to(late, alice), alice)
      expect([dropped.outgoing, dropped.receiptSecret === undefined]).to.deep.equal([[], false])
    }
    const again = (await receive(to(removal, bob), bob)).outgoing
    expect(bob.service.info('club')).to.deep.include({ epoch: 3, proposed: [`add ${address(eve)}`] })
    const second = (await receive(to(again, alice), alice)).outgoing
    for (const member of [bob, dave, eve]) await receive(to(second, member), member)
    // Dave gets Carol's removal after the commit that follows it: that one waited for its epoch.
    for (const member of [dave, carol]) await receive(to(removal, member), member)
    expect(carol.service.info('club').removed).to.equal(true)
    for (const member of [alice, bob, dave, eve]) {
      expect(member.service.info('club')).to.deep.include({ epoch: 4, proposed: [] })
      expect(member.service.info('club').members).to.have.members([alice, bob, dave, eve].map(address))
    }
    const hello = await eve.service.send('club', 'hello from eve', Date.now())
    for (const member of [alice, bob, dave])
      expect((await deliver(to(hello, member), member)).map((t) => t.text)).to.deep.equal(['hello from eve'])
  })

  it('refuses a commit from a member who is not the committer, and the group goes on', async () => {
    const [alice, bob] = [await user('alice-forge'), await user('bob-forge')]
    await alice.service.createGroup('held')
    await deliver(
      to(await alice.service.add('held', [decodeInvite(await bob.service.invite())], Date.now()), bob),
      bob
    )
    // Bob forges a commit (a key update) from his stored state, past his own service's checks.
    await bob.service.close()
    const store = new MlsStore(bob.dir)
    await store.open()
    const [stored] = await store.groups()
    await store.close()
    bob.service = await MlsService.open(bob.dir, bob.identity)
    if (stored === undefined) throw new Error('bob has no group')
    const forger = new MlsClient(bob.identity, await ciphersuite())
    const { commit } = await forger.commit(decodeState(stored.state), [])
    try {
      await alice.service.receive('ef'.repeat(32), encodeMlsPayload({ messages: [commit] }), Date.now())
      expect.fail('a commit by a member who is not the committer was taken')
    } catch (err) {
      expect(err).to.be.instanceOf(MlsRejectedError)
      expect((err as Error).message).to.include('a commit from a member who is not the committer')
    }
    expect(alice.service.info('held').epoch).to.equal(1)
    const still = await alice.service.send('held', 'still epoch 1', Date.now())
    expect((await deliver(to(still, bob), bob)).map((t) => t.text)).to.deep.equal(['still epoch 1'])
  })

  it('refuses a change that makes no sense, tampered payloads and replays', async () => {
    const [alice, bob] = [await user('alice2'), await user('bob2')]
    await alice.service.createGroup('pair')
    const added = await alice.service.add('pair', [decodeInvite(await bob.service.invite())], Date.now())
    await deliver(to(added, bob), bob)
    const aliceAgain = decodeInvite(await alice.service.invite())
    for (const change of [
      () => bob.service.add('pair', [aliceAgain], Date.now()),
      () => bob.service.remove('pair', [alice.identity.publicKey], Date.now())
    ]) {
      try {
        await change()
        expect.fail('a change that makes no sense was taken')
      } catch (err) {
        expect(err).to.be.instanceOf(GroupCommandError)
      }
    }
    const sent = to(await alice.service.send('pair', 'once', Date.now()), bob)
    const tampered = { ...sent, payload: sent.payload.slice() }
    tampered.payload[tampered.payload.length - 5] = (tampered.payload.at(-5) ?? 0) ^ 0x01
    try {
      await deliver(tampered, bob)
      expect.fail('a tampered payload was read')
    } catch (err) {
      expect(err).to.be.instanceOf(MlsRejectedError)
    }
    for (const malformed of [
      sent.payload.subarray(0, sent.payload.length - 40),
      sent.payload.subarray(0, 12),
      Uint8Array.of(0x4d, 0x12, 0x03, 0x00, 0x01, 0x00)
    ]) {
      try {
        await bob.service.receive('00'.repeat(32), malformed, Date.now())
        expect.fail('a malformed payload was read')
      } catch (err) {
        expect(err).to.be.instanceOf(MlsRejectedError)
      }
    }
    expect((await deliver(sent, bob)).map((t) => t.text)).to.deep.equal(['once'])
    try {
      await deliver(sent, bob)
      expect.fail('a replayed message was read twice')
    } catch (err) {
      expect(err).to.be.instanceOf(MlsRejectedError)
    }
  })

  it('adds by address once the key package asked for arrives, and only from its owner', async () => {
    const [alice, bob, mallory] = [await user('alice4'), await user('bob4'), await user('mallory4')]
    await alice.service.createGroup('asked')
    await alice.service.requestAdd('asked', bob.identity.publicKey)
    try {
      await alice.service.keyPackageArrived(
        bob.identity.publicKey,
        decodeInvite(await mallory.service.invite()),
        Date.now()
      )
      expect.fail("a key package naming another identity was taken as bob's")
    } catch (err) {
      expect(err).to.be.instanceOf(MlsRejectedError)
    }
    const { outgoing, requestAgain } = await alice.service.keyPackageArrived(
      bob.identity.publicKey,
      decodeInvite(await bob.service.invite()),
      Date.now()
    )
    expect(requestAgain).to.equal(false)
    await deliver(to(outgoing, bob), bob)
    expect(bob.service.info('asked').members).to.have.length(2)
    // The request is answered once: a second key package adds nobody.
    expect(
      await alice.service.keyPackageArrived(
        bob.identity.publicKey,
        decodeInvite(await bob.service.invite()),
        Date.now()
      )
    ).to.deep.equal({ outgoing: [], requestAgain: false })
  })

  it('sends the Welcome with the first message of a 1:1 conversation, both ways after', async () => {
    const [alice, bob] = [await user('alice3'), await user('bob3')]
    const first = await alice.service.sendDirect(
      bob.identity.publicKey,
      'hi',
      Date.now(),
      'normal',
      decodeInvite(await bob.service.invite())
    )
    if (!('outgoing' in first)) throw new Error('no 1:1 group made')
    const read = await deliver(to(first.outgoing, bob), bob)
    expect(read.map((t) => [t.text, t.direct, t.group])).to.deep.equal([
      ['hi', true, encodeAddress(alice.identity.publicKey)]
    ])
    const reply = await bob.service.sendDirect(alice.identity.publicKey, 'hello back', Date.now(), 'normal')
    if (!('outgoing' in reply)) throw new Error('bob has no 1:1 group with alice')
    expect((await deliver(to(reply.outgoing, alice), alice)).map((t) => t.text)).to.deep.equal(['hello back'])
  })

  it('keeps first messages to someone new across a restart until their key package comes', async () => {
    const [alice, bob] = [await user('alice-first'), await user('bob-first')]
    const queued = []
    for (const [text, priority] of [
      ['one', 'critical'],
      ['two', 'low']
    ] as const) {
      const sent = await alice.service.sendDirect(bob.identity.publicKey, text, Date.now(), priority)
      if (!('queued' in sent)) throw new Error('a text to someone new went out without a key package')
      queued.push(sent.queued)
    }
    expect(queued.map((q) => q.request)).to.deep.equal([true, false])
    await alice.service.close()
    alice.service = await MlsService.open(alice.dir, alice.identity)
    expect((await alice.service.waitingRecipients()).map((r) => encodeAddress(r.recipient))).to.deep.equal([
      encodeAddress(bob.identity.publicKey)
    ])
    expect((await alice.service.waitingFirstMessages()).map((w) => [w.id, w.priority])).to.deep.equal([
      [queued[0]?.id, 'critical'],
      [queued[1]?.id, 'low']
    ])
    const { outgoing, requestAgain } = await alice.service.keyPackageArrived(
      bob.identity.publicKey,
      decodeInvite(await bob.service.invite()),
      Date.now()
    )
    expect(requestAgain).to.equal(false)
    expect(outgoing.map((o) => o.priority)).to.deep.equal(['critical', 'low'])
    expect(await alice.service.waitingFirstMessages()).to.deep.equal([])
    // The second envelope may overtake the Welcome: it waits for the group, then reads, and its receipt
    // comes with the Welcome's envelope.
    const [welcome, second] = outgoing
    if (welcome === undefined || second === undefined) throw new Error('two envelopes expected')
    const kept = await bob.service.receive('ab'.repeat(32), second.payload, Date.now())
    expect([kept.receiptSecret, kept.texts, kept.late, kept.outgoing]).to.deep.equal([undefined, [], [], []])
    await kept.keep?.()
    const opened = await bob.service.receive('cd'.repeat(32), welcome.payload, Date.now())
    expect(opened.receiptSecret).to.deep.equal(welcome.receiptSecret)
    expect(opened.late).to.deep.equal([{ envelopeId: 'ab'.repeat(32), receiptSecret: second.receiptSecret }])
    const read = opened.texts
    expect(read.map((t) => [t.id, t.text, t.direct])).to.deep.equal([
      [queued[0]?.id, 'one', true],
      [queued[1]?.id, 'two', true]
    ])
    const later = await alice.service.sendDirect(bob.identity.publicKey, 'three', Date.now(), 'normal')
    expect('outgoing' in later, 'later texts use the group').to.equal(true)
  })

  it('creates new groups on the post-quantum X-Wing suite when configured; old groups keep theirs', async () => {
    const xwing = 'MLS_256_XWING_AES256GCM_SHA512_Ed25519'
    const [alice, bob] = [await user('alice-pq'), await user('bob-pq')]
    await alice.service.createGroup('before')
    await alice.service.close()
    await bob.service.close()
    alice.service = await MlsService.open(alice.dir, alice.identity, { suite: xwing })
    bob.service = await MlsService.open(bob.dir, bob.identity, { suite: xwing })
    expect(alice.service.info('before').ciphersuite).to.equal('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519')
    expect((await alice.service.createGroup('pq')).ciphersuite).to.equal(xwing)
    const invite = decodeInvite(await bob.service.invite())
    expect(invite.cipherSuite).to.equal(xwing)
    const added = await alice.service.add('pq', [invite], Date.now())
    await deliver(to(added, bob), bob)
    const sent = await alice.service.send('pq', 'after the quantum computer', Date.now())
    expect((await deliver(to(sent, bob), bob)).map((t) => t.text)).to.deep.equal([
      'after the quantum computer'
    ])
    expect(bob.service.info('pq')).to.include({ ciphersuite: xwing, epoch: 1 })
    // A key package of suite 1 cannot join an X-Wing group: the add says so and changes nothing.
    const carol = await user('carol-pq')
    try {
      await alice.service.add('pq', [decodeInvite(await carol.service.invite())], Date.now())
      expect.fail('a suite-1 key package was added to an X-Wing group')
    } catch (err) {
      expect((err as Error).message).to.include('group uses MLS_256_XWING')
    }
    // A 1:1 conversation takes the suite of the key package it starts from.
    const direct = await alice.service.sendDirect(
      carol.identity.publicKey,
      'hi on suite 1',
      Date.now(),
      'normal',
      decodeInvite(await carol.service.invite())
    )
    if (!('outgoing' in direct)) throw new Error('no 1:1 group made')
    expect((await deliver(to(direct.outgoing, carol), carol)).map((t) => t.text)).to.deep.equal([
      'hi on suite 1'
    ])
  })

  it('draws group ids, receipt seeds and first-message ids from the random function it is given', async () => {
    // The n-th call returns bytes all equal to n.
    let calls = 0
    const random = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(++calls)
    const identity = generateUserIdentity('seeded-a')
    const alice = await MlsService.open(join(root, 'seeded-a'), identity, { random })
    const [bob, carol] = [await user('seeded-b'), await user('seeded-c')]
    try {
      expect((await alice.createGroup('seeded')).id).to.equal('01'.repeat(16))
      const added = await alice.add('seeded', [decodeInvite(await bob.service.invite())], Date.now())
      const seed = new Uint8Array(32).fill(2)
      const expected = createHash('sha256').update(seed).update(bob.identity.publicKey).digest()
      expect(Buffer.from(to(added, bob).receiptSecret).equals(expected)).to.equal(true)
      await deliver(to(added, bob), bob)
      const sent = await alice.sendDirect(carol.identity.publicKey, 'hi', Date.now(), 'normal')
      const messageId = new Uint8Array(32).fill(3)
      const id = createHash('sha256').update(identity.publicKey).update(messageId).digest('hex')
      expect(sent).to.deep.equal({ queued: { id, request: true } })
      expect(calls).to.equal(3)
    } finally {
      await alice.close()
    }
  })

  it('goes on writing in a group after refusing a text over the envelope limit', async () => {
    const identity = generateUserIdentity('limit-group-a')
    const alice = await MlsService.open(join(root, 'limit-group-a'), identity, { maxPayloadBytes: 2048 })
    const bob = await user('limit-group-b')
    try {
      await alice.createGroup('small')
      await deliver(
        to(await alice.add('small', [decodeInvite(await bob.service.invite())], Date.now()), bob),
        bob
      )
      try {
        await alice.send('small', 'x'.repeat(5000), Date.now())
        expect.fail('an oversize text was taken')
      } catch (err) {
        expect((err as Error).name).to.equal('OversizeEnvelopeError')
      }
      const after = await alice.send('small', 'fits', Date.now())
      expect((await deliver(to(after, bob), bob)).map((t) => t.text)).to.deep.equal(['fits'])
    } finally {
      await alice.close()
    }
  })
})
