/**
 * MLS layer: application messages, a commit adding 100 members and a join from its Welcome, for this
 * project's layer (ts-mls on its native ciphersuites 1 and 3), stock ts-mls (WebCrypto) and openmls-wasm.
 */
import { Group, Identity, Provider } from 'openmls-wasm'
import type { CiphersuiteImpl, CiphersuiteName, ClientState } from 'ts-mls'
import { generateUserIdentity } from '../node/src/identity/index.ts'
import { ciphersuite, decodeMessage, MlsClient, stockCiphersuite } from '../node/src/mls/index.ts'
import type { KeyPackageBundle } from '../node/src/mls/index.ts'
import type { Benchmark } from './benchmark.ts'
import { met, millis, table, whole } from './format.ts'
import type { Progress } from './progress.ts'
import { distribution, perSecond } from './stats.ts'

const PAYLOAD_BYTES = 1024
/** Application messages per round and implementation; rounds alternate between the implementations. */
const MESSAGES_PER_ROUND = 1000
const ROUNDS = 5
const GROUP_MEMBERS = 100
/** The aim: openmls-wasm's rate as DESIGN.md measured it on this machine. */
const AIM_MESSAGES_PER_SECOND = 3400
/** openmls-wasm's only suite: X25519, ChaCha20-Poly1305, SHA-256, Ed25519. */
const SUITE_3: CiphersuiteName = 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519'

/** Sends one round of application messages from one member to the other, checking each arrives. */
type MessageRound = () => Promise<void>

interface Figures {
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

async function tsMlsPair(suite: CiphersuiteImpl): Promise<MessageRound> {
  const [alice, bob] = [
    new MlsClient(generateUserIdentity('alice'), suite),
    new MlsClient(generateUserIdentity('bob'), suite)
  ]
  const bobBundle = await bob.createKeyPackage()
  const added = await alice.add(
    await alice.createGroup(new Uint8Array([1]), await alice.createKeyPackage()),
    [bobBundle.keyPackage]
  )
  const joined = await bob.join(decodeMessage(added.welcome), () => bobBundle)
  if (joined === undefined) throw new Error('the Welcome did not name the key package')
  let sender = added.state
  let receiver = joined.state
  return async () => {
    for (let i = 0; i < MESSAGES_PER_ROUND; i++) {
      const sent = await alice.encrypt(sender, payload)
      sender = sent.state
      const received = await bob.receive(receiver, decodeMessage(sent.message))
      if (received.kind !== 'application' || received.plaintext.length !== PAYLOAD_BYTES)
        throw new Error('an application message did not round-trip')
      receiver = received.state
    }
  }
}

async function tsMlsGroups(suite: CiphersuiteImpl, progress: Progress, label: string): Promise<Figures> {
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
  return { bulkCommitMs, singleCommitsMs, joinMs }
}

function openMlsPair(): MessageRound {
  const ownerProvider = new Provider()
  const owner = new Identity(ownerProvider, 'owner')
  const peerProvider = new Provider()
  const peer = new Identity(peerProvider, 'peer')
  const pair = Group.create_new(ownerProvider, owner, 'pair')
  const pairAdd = pair.propose_and_commit_add(ownerProvider, owner, peer.key_package(peerProvider))
  pair.merge_pending_commit(ownerProvider)
  const peerGroup = Group.join(peerProvider, pairAdd.welcome, pair.export_ratchet_tree())
  return () => {
    for (let i = 0; i < MESSAGES_PER_ROUND; i++) {
      const message = pair.create_message(ownerProvider, owner, payload)
      if (peerGroup.process_message(peerProvider, message).length !== PAYLOAD_BYTES)
        throw new Error('an application message did not round-trip')
    }
    return Promise.resolve()
  }
}

async function openMlsGroups(progress: Progress): Promise<Figures> {
  progress.step(`  openmls-wasm: ${GROUP_MEMBERS} commits adding one member each, then the join`)
  const ownerProvider = new Provider()
  const owner = new Identity(ownerProvider, 'owner')
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
  return { singleCommitsMs, joinMs }
}

/** Median messages/s of each implementation over rounds that alternate between them, so load hits all alike. */
async function messageRates(rounds: MessageRound[], progress: Progress): Promise<number[]> {
  const rates: number[][] = rounds.map(() => [])
  // One untimed round each first, so that every implementation runs JIT-compiled code when timed.
  for (const run of rounds) await run()
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, run] of rounds.entries()) {
      const [, ms] = await timed(run)
      rates[i]?.push(perSecond(MESSAGES_PER_ROUND, ms))
      progress.update(`application messages: round ${round + 1} / ${ROUNDS}`)
    }
  }
  return rates.map((values) => distribution(values).p50)
}

export const mlsLayer: Benchmark = {
  name: 'mls',
  async run(progress) {
    const [ourSuite, ourSuite3, stockSuite] = [
      await ciphersuite(),
      await ciphersuite(SUITE_3),
      await stockCiphersuite()
    ]
    progress.step(
      `  application messages: ${ROUNDS} rounds of ${whole(MESSAGES_PER_ROUND)} per implementation`
    )
    const [ourRate, ourRate3, openmlsRate] = await messageRates(
      [await tsMlsPair(ourSuite), await tsMlsPair(ourSuite3), openMlsPair()],
      progress
    )
    const ours = {
      ...(await tsMlsGroups(ourSuite, progress, 'this project, suite 1')),
      messagesPerSecond: ourRate ?? NaN
    }
    const ours3 = {
      ...(await tsMlsGroups(ourSuite3, progress, 'this project, suite 3')),
      messagesPerSecond: ourRate3 ?? NaN
    }
    // Stock ts-mls comes last: it runs the same ts-mls code with suite objects of another shape, which would
    // make V8's inline caches in that code polymorphic, slowing whichever suite runs beside it.
    const [stockRate] = await messageRates([await tsMlsPair(stockSuite)], progress)
    const stock = {
      ...(await tsMlsGroups(stockSuite, progress, 'stock ts-mls')),
      messagesPerSecond: stockRate ?? NaN
    }
    const openmls = { ...(await openMlsGroups(progress)), messagesPerSecond: openmlsRate ?? NaN }
    const row = (label: string, f: Figures & { messagesPerSecond: number }): string[] => [
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
      `One process, no network, no storage. Application messages: a 2-member group per implementation; the ` +
        `sender encrypts a ${whole(PAYLOAD_BYTES)}-byte payload, the bytes are decoded and the other member ` +
        `decrypts it, one message after the other. After one untimed warm-up round each, this project's layer ` +
        `on suite 1, on suite 3 and openmls-wasm take turns: ${ROUNDS} rounds of ${whole(MESSAGES_PER_ROUND)} ` +
        `messages each (the machine is shared, and turns spread its load over all alike); stock ts-mls runs its ` +
        `${ROUNDS} rounds afterwards, since running the same ts-mls code with suite objects of two shapes in one ` +
        `process makes V8's inline caches polymorphic and slows both. Each figure is the median of the ` +
        `${ROUNDS} round rates. ` +
        `Commits: ` +
        `${GROUP_MEMBERS} key packages made beforehand (not timed); "one commit" adds all of them at once ` +
        `(a commit with ${GROUP_MEMBERS} Add proposals and the Welcome), "one per commit" adds them in ` +
        `${GROUP_MEMBERS} commits (the time of all of them together). The join is by the last member added, ` +
        `into a group of ${GROUP_MEMBERS + 1}: for ts-mls from the Welcome of the single commit, with the ratchet ` +
        `tree inside the Welcome; for openmls-wasm from the Welcome of the last one-member commit, with the ` +
        `ratchet tree handed over out of band (its API has no tree extension).`,
      '',
      `Like with like: openmls-wasm 0.1.0 is fixed to ciphersuite 3 (X25519, ChaCha20-Poly1305, SHA-256, ` +
        `Ed25519), so this project's layer runs on suite 3 too (the row to compare with it); suite 1 ` +
        `(MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, AES-128-GCM instead of ChaCha20-Poly1305) is the default ` +
        `of new groups, and the suite of stock ts-mls here. openmls-wasm can only add one member per commit, so ` +
        `its commit figure compares with the "one per commit" column only. Our commits are PrivateMessages; ` +
        `ts-mls verifies every key package and leaf signature it is given. Our layer signs and verifies with ` +
        `libsodium, hashes, MACs and runs AES-GCM with node:crypto, and runs ChaCha20-Poly1305 with libsodium; ` +
        `HPKE (commits and Welcomes) is ts-mls's own, pure JavaScript for suite 3.`,
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
          row('this project, suite 3: ts-mls + native suite', ours3),
          row('this project, suite 1: ts-mls + native suite', ours),
          row('stock ts-mls 1.6 (WebCrypto, suite 1)', stock),
          row('openmls-wasm 0.1.0 (suite 3)', openmls)
        ]
      ),
      '',
      `Application messages, ours / openmls-wasm: ` +
        `${(ours3.messagesPerSecond / openmls.messagesPerSecond).toFixed(2)}× on suite 3, ` +
        `${(ours.messagesPerSecond / openmls.messagesPerSecond).toFixed(2)}× on suite 1; ours / stock ts-mls ` +
        `(suite 1): ${(ours.messagesPerSecond / stock.messagesPerSecond).toFixed(1)}×.`,
      '',
      '### Aims',
      '',
      table(
        ['aim', 'measured', 'met'],
        [
          [
            `at least ${whole(AIM_MESSAGES_PER_SECOND)} application messages/s (openmls-wasm's rate in DESIGN.md), suite 1`,
            `${whole(ours.messagesPerSecond)} /s`,
            met(ours.messagesPerSecond >= AIM_MESSAGES_PER_SECOND)
          ],
          ...(
            [
              ['suite 3', ours3.messagesPerSecond],
              ['suite 1', ours.messagesPerSecond]
            ] as const
          ).map(([label, rate]) => [
            `at least the openmls-wasm rate measured in this run, ${label}`,
            `${whole(rate)} vs ${whole(openmls.messagesPerSecond)} /s`,
            met(rate >= openmls.messagesPerSecond)
          ])
        ]
      )
    ].join('\n')
  }
}
