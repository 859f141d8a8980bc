/**
 * MLS layer: application messages, a commit adding 100 members and a join from its Welcome, for this
 * project's layer (ts-mls on the node:crypto ciphersuite), stock ts-mls (WebCrypto) and openmls-wasm.
 */
import { Group, Identity, Provider } from 'openmls-wasm'
import type { CiphersuiteImpl, ClientState } from 'ts-mls'
import { generateUserIdentity } from '../node/src/identity/index.ts'
import { ciphersuite, decodeMessage, MlsClient, stockCiphersuite } from '../node/src/mls/index.ts'
import type { KeyPackageBundle } from '../node/src/mls/index.ts'
import type { Benchmark } from './benchmark.ts'
import { met, millis, table, whole } from './format.ts'
import type { Progress } from './progress.ts'

const PAYLOAD_BYTES = 1024
const MESSAGES = 3000
const GROUP_MEMBERS = 100
/** The aim: openmls-wasm's rate as DESIGN.md measured it on this machine. */
const AIM_MESSAGES_PER_SECOND = 3400

interface Figures {
  messagesPerSecond: number
  /** One commit adding all members (ts-mls only: openmls-wasm adds one per commit). */
  bulkCommitMs?: number
  /** Adding the members one commit each, all commits summed. */
  singleCommitsMs: number
  /** Joining from the Welcome that made the group 101 members. */
  joinMs: number
}

const payload = new Uint8Array(PAYLOAD_BYTES).map((_, i) => i & 0xff)

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now()
  const value = await work()
  return [value, performance.now() - started]
}

async function tsMls(suite: CiphersuiteImpl, progress: Progress, label: string): Promise<Figures> {
  const people = Array.from({ length: GROUP_MEMBERS + 1 }, (_, i) => {
    const identity = generateUserIdentity(`member-${i}`)
    return new MlsClient(identity, suite)
  })
  const bundles: KeyPackageBundle[] = []
  for (const person of people) bundles.push(await person.createKeyPackage())
  const owner = people[0] as MlsClient
  const ownerBundle = bundles[0] as KeyPackageBundle
  const joinerBundle = bundles[GROUP_MEMBERS] as KeyPackageBundle
  const joiner = people[GROUP_MEMBERS] as MlsClient
  const byRef = (ref: Uint8Array): KeyPackageBundle | undefined =>
    Buffer.from(ref).equals(joinerBundle.ref) ? joinerBundle : undefined

  progress.step(`  ${label}: application messages`)
  const pairWelcome = await owner.add(await owner.createGroup(new Uint8Array([1]), ownerBundle), [
    (bundles[1] as KeyPackageBundle).keyPackage
  ])
  let sender = pairWelcome.state
  const pairJoined = await (people[1] as MlsClient).join(decodeMessage(pairWelcome.welcome), (ref) =>
    Buffer.from(ref).equals((bundles[1] as KeyPackageBundle).ref) ? bundles[1] : undefined
  )
  if (pairJoined === undefined) throw new Error('the pair Welcome did not name the key package')
  let receiver = pairJoined.state
  const [, messagesMs] = await timed(async () => {
    for (let i = 0; i < MESSAGES; i++) {
      const sent = await owner.encrypt(sender, payload)
      sender = sent.state
      const received = await (people[1] as MlsClient).receive(receiver, decodeMessage(sent.message))
      if (received.kind !== 'application' || received.plaintext.length !== PAYLOAD_BYTES)
        throw new Error('an application message did not round-trip')
      receiver = received.state
      progress.update(`${label}: ${i + 1} / ${MESSAGES} messages`)
    }
  })

  progress.step(`  ${label}: one commit adding ${GROUP_MEMBERS} members, then the join`)
  const others = bundles.slice(1).map((bundle) => bundle.keyPackage)
  const group = await owner.createGroup(new Uint8Array([2]), ownerBundle)
  const [bulk, bulkCommitMs] = await timed(() => owner.add(group, others))
  const [, joinMs] = await timed(async () => {
    const joined = await joiner.join(decodeMessage(bulk.welcome), byRef)
    if (joined === undefined) throw new Error('the Welcome did not name the key package')
  })

  progress.step(`  ${label}: ${GROUP_MEMBERS} commits adding one member each`)
  let state: ClientState = await owner.createGroup(new Uint8Array([3]), ownerBundle)
  const [, singleCommitsMs] = await timed(async () => {
    for (const [i, keyPackage] of others.entries()) {
      state = (await owner.add(state, [keyPackage])).state
      progress.update(`${label}: ${i + 1} / ${GROUP_MEMBERS} commits`)
    }
  })
  return { messagesPerSecond: MESSAGES / (messagesMs / 1000), bulkCommitMs, singleCommitsMs, joinMs }
}

async function openMls(progress: Progress): Promise<Figures> {
  progress.step('  openmls-wasm: application messages')
  const ownerProvider = new Provider()
  const owner = new Identity(ownerProvider, 'owner')
  const peerProvider = new Provider()
  const peer = new Identity(peerProvider, 'peer')
  const pair = Group.create_new(ownerProvider, owner, 'pair')
  const pairAdd = pair.propose_and_commit_add(ownerProvider, owner, peer.key_package(peerProvider))
  pair.merge_pending_commit(ownerProvider)
  const peerGroup = Group.join(peerProvider, pairAdd.welcome, pair.export_ratchet_tree())
  const [, messagesMs] = await timed(() => {
    for (let i = 0; i < MESSAGES; i++) {
      const message = pair.create_message(ownerProvider, owner, payload)
      if (peerGroup.process_message(peerProvider, message).length !== PAYLOAD_BYTES)
        throw new Error('an application message did not round-trip')
      progress.update(`openmls-wasm: ${i + 1} / ${MESSAGES} messages`)
    }
    return Promise.resolve()
  })

  progress.step(`  openmls-wasm: ${GROUP_MEMBERS} commits adding one member each, then the join`)
  const members = Array.from({ length: GROUP_MEMBERS }, (_, i) => {
    const provider = new Provider()
    const identity = new Identity(provider, `member-${i}`)
    return { provider, keyPackage: identity.key_package(provider) }
  })
  const group = Group.create_new(ownerProvider, owner, 'group')
  let lastWelcome: Uint8Array = new Uint8Array()
  const [, singleCommitsMs] = await timed(() => {
    for (const [i, member] of members.entries()) {
      lastWelcome = group.propose_and_commit_add(ownerProvider, owner, member.keyPackage).welcome
      group.merge_pending_commit(ownerProvider)
      progress.update(`openmls-wasm: ${i + 1} / ${GROUP_MEMBERS} commits`)
    }
    return Promise.resolve()
  })
  const last = members[GROUP_MEMBERS - 1]
  if (last === undefined) throw new Error('no members')
  const tree = group.export_ratchet_tree()
  const [, joinMs] = await timed(() => {
    Group.join(last.provider, lastWelcome, tree)
    return Promise.resolve()
  })
  return { messagesPerSecond: MESSAGES / (messagesMs / 1000), singleCommitsMs, joinMs }
}

export const mlsLayer: Benchmark = {
  name: 'mls',
  async run(progress) {
    const ours = await tsMls(await ciphersuite(), progress, 'this project (node:crypto suite)')
    const stock = await tsMls(await stockCiphersuite(), progress, 'stock ts-mls (WebCrypto)')
    const openmls = await openMls(progress)
    const row = (label: string, f: Figures): string[] => [
      label,
      `${whole(f.messagesPerSecond)} /s`,
      f.bulkCommitMs === undefined ? 'n/a (one member per commit)' : millis(f.bulkCommitMs),
      millis(f.singleCommitsMs),
      millis(f.joinMs)
    ]
    return [
      '## MLS layer: application messages, adding 100 members, joining a 101-member group',
      '',
      '### Method',
      '',
      `One process, no network, no storage. Application messages: a 2-member group; the sender encrypts a ` +
        `${whole(PAYLOAD_BYTES)}-byte payload, the bytes are decoded and the other member decrypts it, ` +
        `${whole(MESSAGES)} times one after the other; the rate is messages over the whole time. Commits: ` +
        `${GROUP_MEMBERS} key packages made beforehand (not timed); "one commit" adds all of them at once ` +
        `(a commit with ${GROUP_MEMBERS} Add proposals and the Welcome), "one per commit" adds them in ` +
        `${GROUP_MEMBERS} commits (the time of all of them together). The join is by the last member added, ` +
        `into a group of ${GROUP_MEMBERS + 1}: for ts-mls from the Welcome of the single commit, with the ratchet ` +
        `tree inside the Welcome; for openmls-wasm from the Welcome of the last one-member commit, with the ` +
        `ratchet tree handed over out of band (its API has no tree extension).`,
      '',
      `Like with like: this project and stock ts-mls run ciphersuite 1 ` +
        `(MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519); openmls-wasm 0.1.0 is fixed to ciphersuite 3 ` +
        `(X25519, ChaCha20-Poly1305, SHA-256, Ed25519) and can only add one member per commit, so its commit ` +
        `figure compares with the "one per commit" column only. Our commits are PrivateMessages; ts-mls ` +
        `verifies every key package and leaf signature it is given.`,
      '',
      '### Figures',
      '',
      table(
        [
          'implementation',
          'application messages (encrypt + decrypt, 1 KiB)',
          `one commit adding ${GROUP_MEMBERS}`,
          `${GROUP_MEMBERS} commits adding one each`,
          `join from the Welcome (${GROUP_MEMBERS + 1} members)`
        ],
        [
          row('this project: ts-mls + node:crypto suite', ours),
          row('stock ts-mls 1.6 (WebCrypto)', stock),
          row('openmls-wasm 0.1.0 (suite 3)', openmls)
        ]
      ),
      '',
      `Ours / stock ts-mls: ${(ours.messagesPerSecond / stock.messagesPerSecond).toFixed(1)}× the messages; ` +
        `ours / openmls-wasm: ${(ours.messagesPerSecond / openmls.messagesPerSecond).toFixed(2)}×.`,
      '',
      '### Aims',
      '',
      table(
        ['aim', 'measured', 'met'],
        [
          [
            `at least ${whole(AIM_MESSAGES_PER_SECOND)} application messages/s (openmls-wasm's rate in DESIGN.md)`,
            `${whole(ours.messagesPerSecond)} /s`,
            met(ours.messagesPerSecond >= AIM_MESSAGES_PER_SECOND)
          ],
          [
            'at least the openmls-wasm rate measured in this run',
            `${whole(ours.messagesPerSecond)} vs ${whole(openmls.messagesPerSecond)} /s`,
            met(ours.messagesPerSecond >= openmls.messagesPerSecond)
          ]
        ]
      )
    ].join('\n')
  }
}
