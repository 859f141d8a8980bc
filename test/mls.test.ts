import { expect } from 'chai'
import type { CiphersuiteImpl, ClientState } from 'ts-mls'
import { generateUserIdentity } from '../node/src/identity/index.ts'
import {
  ciphersuite,
  decodeKeyPackage,
  decodeMessage,
  decodeState,
  encodeKeyPackage,
  encodeState,
  members,
  MlsClient,
  MlsRejectedError,
  stockCiphersuite
} from '../node/src/mls/index.ts'
import type { KeyPackageBundle } from '../node/src/mls/index.ts'

const text = (value: string): Uint8Array => new TextEncoder().encode(value)
const read = (value: Uint8Array): string => new TextDecoder().decode(value)

interface Person {
  client: MlsClient
  publicKey: Uint8Array
  bundle: KeyPackageBundle
}

/** The suite implementations the adapter runs on: this project's native ones and ts-mls's stock one. */
const IMPLEMENTATIONS: [string, () => Promise<CiphersuiteImpl>][] = [
  ['native suite 1', () => ciphersuite()],
  [
    'native suite 3, ChaCha20-Poly1305',
    () => ciphersuite('MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519')
  ],
  ['stock WebCrypto suite 1', () => stockCiphersuite()]
]

async function person(name: string, suite?: CiphersuiteImpl): Promise<Person> {
  const identity = generateUserIdentity(name)
  const client = new MlsClient(identity, suite ?? (await ciphersuite()))
  return { client, publicKey: identity.publicKey, bundle: await client.createKeyPackage() }
}

async function joinWith(joiner: Person, welcome: Uint8Array): Promise<ClientState> {
  const joined = await joiner.client.join(decodeMessage(welcome), (ref) =>
    Buffer.from(ref).equals(joiner.bundle.ref) ? joiner.bundle : undefined
  )
  if (joined === undefined) throw new Error('the Welcome does not name the key package')
  return joined.state
}

async function exchange(
  from: Person,
  fromState: ClientState,
  to: Person,
  toState: ClientState,
  message: string
): Promise<[ClientState, ClientState]> {
  const sent = await from.client.encrypt(fromState, text(message))
  const received = await to.client.receive(toState, decodeMessage(sent.message))
  if (received.kind !== 'application') throw new Error('expected an application message')
  expect(read(received.plaintext)).to.equal(message)
  expect(received.sender).to.deep.equal(from.publicKey)
  return [sent.state, received.state]
}

describe('MLS adapter', function () {
  for (const [label, implementation] of IMPLEMENTATIONS) {
    it(`runs a group through add, messages, a restart and removal (${label})`, async function () {
      const suite = await implementation()
      const [alice, bob, carol] = await Promise.all([
        person('alice', suite),
        person('bob', suite),
        person('carol', suite)
      ])
      let a = await alice.client.createGroup(text('group-1'), alice.bundle)
      const added = await alice.client.add(a, [
        decodeKeyPackage(encodeKeyPackage(bob.bundle.keyPackage)),
        decodeKeyPackage(encodeKeyPackage(carol.bundle.keyPackage))
      ])
      a = added.state
      let b = await joinWith(bob, added.welcome)
      let c = await joinWith(carol, added.welcome)
      expect(members(b).map((key) => Buffer.from(key).toString('hex'))).to.deep.equal(
        [alice, bob, carol].map((p) => Buffer.from(p.publicKey).toString('hex'))
      )
      ;[a, b] = await exchange(alice, a, bob, b, 'hello bob')
      ;[b, c] = await exchange(bob, b, carol, c, 'hello carol')
      c = decodeState(encodeState(c))
      ;[c, a] = await exchange(carol, c, alice, a, 'hello alice, after a restart')

      const removal = await alice.client.remove(a, [carol.publicKey])
      a = removal.state
      const applied = await bob.client.receive(b, decodeMessage(removal.commit))
      expect(applied.kind).to.equal('commit')
      b = applied.state
      expect(b.groupContext.epoch).to.equal(2n)
      expect(members(b)).to.have.length(2)
      const secret = await alice.client.encrypt(a, text('carol cannot read this'))
      await bob.client.receive(b, decodeMessage(secret.message))
      const removed = await carol.client.receive(c, decodeMessage(removal.commit))
      expect(removed.state.groupActiveState.kind).to.not.equal('active')
      try {
        await carol.client.receive(removed.state, decodeMessage(secret.message))
        expect.fail('a removed member read a message of a later epoch')
      } catch (err) {
        expect(err).to.be.instanceOf(MlsRejectedError)
      }
    })
  }

  it('reads a late message of a retained past epoch, and refuses a tampered one', async function () {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')])
    const added = await alice.client.add(await alice.client.createGroup(text('g'), alice.bundle), [
      bob.bundle.keyPackage
    ])
    let a = added.state
    let b = await joinWith(bob, added.welcome)
    const early = await alice.client.encrypt(a, text('sent in epoch 1'))
    a = early.state
    const update = await alice.client.commit(a, [])
    a = update.state
    b = (await bob.client.receive(b, decodeMessage(update.commit))).state
    const late = await bob.client.receive(b, decodeMessage(early.message))
    expect(late.kind === 'application' && read(late.plaintext)).to.equal('sent in epoch 1')

    const fresh = await alice.client.encrypt(a, text('tampered with'))
    const tampered = fresh.message.slice()
    tampered[tampered.length - 3] = (tampered.at(-3) ?? 0) ^ 1
    try {
      await bob.client.receive(late.state, decodeMessage(tampered))
      expect.fail('a tampered message was accepted')
    } catch (err) {
      expect(err).to.be.instanceOf(MlsRejectedError)
    }
  })

  it('refuses a key package whose credential names another key than the one that signs', async function () {
    const [alice, mallory, victim] = await Promise.all([person('alice'), person('mallory'), person('victim')])
    const forged = {
      ...mallory.bundle.keyPackage,
      leafNode: {
        ...mallory.bundle.keyPackage.leafNode,
        credential: { credentialType: 'basic' as const, identity: victim.publicKey }
      }
    }
    const group = await alice.client.createGroup(text('g'), alice.bundle)
    try {
      await alice.client.add(group, [forged])
      expect.fail('a forged key package was added')
    } catch (err) {
      expect((err as Error).message).to.match(/signature|credential|verif/i)
    }
  })
})
