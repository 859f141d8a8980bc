import { createHash, randomBytes } from 'node:crypto'
import type { ClientState, KeyPackage, MLSMessage, Proposal } from 'ts-mls'
import { encodeAddress } from '../identity/index.ts'
import {
  credentialIdentity,
  decodeKeyPackage,
  decodeMessage,
  decodeState,
  encodeKeyPackage,
  encodeState,
  members,
  MlsClient,
  removeProposals
} from './client.ts'
import type { KeyPackageBundle, MlsIdentity } from './client.ts'
import { GroupCommandError, MlsRejectedError } from './errors.ts'
import { INVITE_PREFIX } from './invite-text.ts'
import { FirstText } from '../e2e/index.ts'
import { GroupContent, MlsPayload } from './payload.pb.ts'
import { applied, describeIntent, proposalRefusal, sameChange } from './proposals.ts'
import type { Intent } from './proposals.ts'
import { DEFAULT_MLS_LIMITS } from './limits.ts'
import type { MlsLimits, MlsQuotaReason } from './limits.ts'
import { QuotaTally, WindowQuota } from './quota.ts'
import { MlsStore } from './store.ts'
import type { GroupMeta, PendingMessage } from './store.ts'
import { ciphersuite } from './suite.ts'
import { OversizeEnvelopeError, peerDecoder, toHex } from '../wire/index.ts'
import type { Priority } from '../wire/index.ts'
import type { CiphersuiteName } from 'ts-mls'
import { logger } from '../log/index.ts'

const log = logger('qpq:mls')
const payloads = peerDecoder('MlsPayload', MlsPayload)
const groupContents = peerDecoder('GroupContent', GroupContent)

/** First byte of an MLS-layer payload, telling it from the interim sealed payload. */
export const MLS_PAYLOAD_MARKER = 0x4d
/** One-time key packages kept ready beside the last-resort one. */
const ONE_TIME_KEY_PACKAGES = 5
/** One-time key packages among those made known to the mesh: the others stay for invites. */
const ANNOUNCED_ONE_TIME_KEY_PACKAGES = 2
const GROUP_ID_BYTES = 16
const MESSAGE_ID_BYTES = 32
const HOUR_MS = 60 * 60 * 1000
/** Epochs opened by kept commits in one go, at most. */
const MAX_DRAIN_ROUNDS = 64
/**
 * How long a used one-time key package stays able to open Welcomes: copies of it may travel in the mesh (the
 * key-package directory, an invite handed to two people), so a second sender who used it must still get in.
 * Thirty days: the longest TTL an envelope may carry.
 */
const USED_KEY_PACKAGE_GRACE_MS = 30 * 24 * 60 * 60 * 1000
/**
 * Bytes an MLS payload adds to a text kept for a key package: the Welcome and the framing of its first
 * message (a Welcome to one person in a 1:1 group is about 1 KiB in every supported suite; X-Wing's is the
 * largest).
 */
export const FIRST_MESSAGE_OVERHEAD = 4096

/** One envelope to send: its payload, for whom, its priority, and the secret whose hash its receipt must match. */
export interface Outgoing {
  recipientKey: Uint8Array
  payload: Uint8Array
  receiptSecret: Uint8Array
  priority: Priority
}

/** A text for a 1:1 conversation; `messageId` set when it was kept waiting for a key package. */
interface DirectText {
  text: string
  sentAt: number
  messageId?: Uint8Array
  priority: Priority
}

/** A first message as `qpq-node outbox` lists it. */
export interface WaitingFirstMessage {
  /** The id `send` printed, and the inbox id it gets. */
  id: string
  recipient: Uint8Array
  priority: Priority
  sentAt: number
}

/** A text message read from a group. */
export interface GroupText {
  /** The inbox entry's id: the envelope that carried it, or, for a text kept for a key package, from its id. */
  id: string
  groupId: string
  group: string
  direct: boolean
  from: Uint8Array
  text: string
  sentAt: number
}

export interface Received {
  /** Undefined when nothing in the envelope could be read yet (it waits for its epoch). */
  receiptSecret?: Uint8Array
  /**
   * Set when the envelope waits for its epoch (or its group's Welcome): keeps its messages for then, within
   * the pending quota. To call only once the envelope's copy is kept, so a refused envelope leaves nothing.
   */
  keep?: () => Promise<void>
  texts: GroupText[]
  /** Envelopes kept earlier for their epoch and read now, with their receipt secrets. */
  late: { envelopeId: string; receiptSecret: Uint8Array }[]
  /** What reading it made this member send: the committer's commit of proposals, an author's re-proposals. */
  outgoing: Outgoing[]
}

export interface GroupSummary {
  id: string
  name: string
  direct: boolean
  epoch: number
  members: string[]
  committer: string
  removed: boolean
  ciphersuite: CiphersuiteName
  /** This member's proposals waiting for the committer, as `add <address>` or `remove <address>`. */
  proposed: string[]
}

interface Group {
  meta: GroupMeta
  state: ClientState
}

interface StoredKeyPackage {
  keyPackage: string
  initPrivateKey: string
  hpkePrivateKey: string
  lastResort: boolean
  handedOut: boolean
  /** Unix ms when a Welcome first used this one-time key package; it is forgotten a grace period later. */
  usedAt?: number
}

/** What strangers and unknown groups made this user keep, and what the quotas refused or evicted. */
export interface MlsStats {
  pendingMessages: number
  pendingBytes: number
  /** 1:1 groups started from strangers' first texts, not answered yet. */
  unansweredStrangers: number
  quota: Partial<Record<MlsQuotaReason, number>>
}

/** What `sendDirect` did with a text. */
export type DirectSent =
  /** Encrypted in the 1:1 group (a new one when a key package was given): the envelopes to queue. */
  | { outgoing: Outgoing[] }
  /** Kept on disk until the person's key package arrives; `request` says to ask for one. */
  | { queued: { id: string; request: boolean } }
  /** To seal to the person's identity key: `body` is a FirstText carrying a key package of ours. */
  | { sealed: { id: string; body: Uint8Array } }

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
const fromB64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))

/** The inbox id of a first message: bound to its authenticated sender, so no one can overwrite another's. */
export function inboxId(sender: Uint8Array, messageId: Uint8Array): string {
  return createHash('sha256').update(sender).update(messageId).digest('hex')
}

function receiptSecret(seed: Uint8Array, recipientKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(seed).update(recipientKey).digest())
}

export function encodeMlsPayload(payload: Partial<MlsPayload>): Uint8Array {
  const body = MlsPayload.encode(payload)
  const out = new Uint8Array(body.length + 1)
  out[0] = MLS_PAYLOAD_MARKER
  out.set(body, 1)
  return out
}

/** An invite: this user's address and a key package, as text to hand over out of band. */
export function decodeInvite(invite: string): KeyPackage {
  if (!invite.startsWith(INVITE_PREFIX)) throw new GroupCommandError(`an invite starts with ${INVITE_PREFIX}`)
  try {
    return decodeKeyPackage(new Uint8Array(Buffer.from(invite.slice(INVITE_PREFIX.length), 'base64url')))
  } catch {
    throw new GroupCommandError('the invite does not decode')
  }
}

/**
 * This user's MLS conversations: groups, key packages, and the delay-tolerant handling of what arrives.
 *
 * Rules every member applies the same way, without a server:
 * - One committer per group: its creator. Commits from anyone else are refused, so two commits can never
 *   compete for an epoch and partitioned members cannot split the group.
 * - Other members propose: an Add or Remove proposal (a PublicMessage signed by its author, encrypted inside an
 *   application message) goes to the committer alone. The committer takes proposals of its current epoch from
 *   members (and refuses the rest, see {@link proposalRefusal}) and commits them at once, by reference; the
 *   commit travels after an application message of the committer that carries the proposals, so every member
 *   can resolve the references. A proposal of a past epoch is dropped by the committer; its author, on
 *   reading the commit that opened a new epoch, proposes again what is still to do and forgets what the group
 *   already is (the person in, or out).
 * - A message for an epoch this member has not reached yet is kept (persisted) until the commit that opens it
 *   arrives; a commit opens the next epoch and the kept messages of that epoch are read then.
 * - ts-mls keeps the receiver secrets of the last RETAINED_EPOCHS epochs, so late messages of recent epochs
 *   are read; older ones are refused (forward secrecy). A message key is used once, so a replay is refused.
 * Every operation on a group runs alone (one queue per group), and the state is stored before anything it
 * produced leaves the node.
 */
export class MlsService {
  private readonly groups = new Map<string, Group>()
  private readonly bundles = new Map<string, { bundle: KeyPackageBundle; stored: StoredKeyPackage }>()
  private readonly queues = new Map<string, Promise<unknown>>()
  private readonly limits: MlsLimits
  private readonly tally = new QuotaTally(log)
  private readonly strangerStarts: WindowQuota
  /** Groups started from strangers' first texts and not answered, by hex id, to when: the oldest first. */
  private readonly unanswered = new Map<string, number>()

  /** Clients per ciphersuite: groups keep the suite they were created with whatever the configuration says. */
  private readonly clients = new Map<CiphersuiteName, Promise<MlsClient>>()

  /**
   * @param client works in the configured suite: that of new groups and of the key packages handed out
   * @param maxPayloadBytes the largest payload an envelope may carry: a text that would exceed it is refused
   * before any group state changes
   */
  private constructor(
    private readonly identity: MlsIdentity,
    private readonly client: MlsClient,
    private readonly store: MlsStore,
    private readonly maxPayloadBytes: number,
    limits: Partial<MlsLimits>
  ) {
    this.clients.set(client.suite.name, Promise.resolve(client))
    this.limits = { ...DEFAULT_MLS_LIMITS, ...limits }
    this.strangerStarts = new WindowQuota(this.limits.maxStrangerStartsPerHour, HOUR_MS)
  }

  /**
   * @param suite the ciphersuite of the groups it creates and of its key packages (default: suite 1)
   * @param maxPayloadBytes see the constructor (default: no limit)
   * @param limits missing ones take {@link DEFAULT_MLS_LIMITS}'s values
   */
  static async open(
    path: string,
    identity: MlsIdentity,
    suite?: CiphersuiteName,
    maxPayloadBytes = Number.POSITIVE_INFINITY,
    limits: Partial<MlsLimits> = {}
  ): Promise<MlsService> {
    const store = new MlsStore(path)
    await store.open()
    const client = new MlsClient(identity, await ciphersuite(suite))
    const service = new MlsService(identity, client, store, maxPayloadBytes, limits)
    await service.load(Date.now())
    return service
  }

  /** The ciphersuite of new groups and key packages. */
  get suite(): CiphersuiteName {
    return this.client.suite.name
  }

  private clientFor(name: CiphersuiteName): Promise<MlsClient> {
    let client = this.clients.get(name)
    if (client === undefined) {
      client = ciphersuite(name).then((impl) => new MlsClient(this.identity, impl))
      this.clients.set(name, client)
    }
    return client
  }

  private clientOf(group: Group): Promise<MlsClient> {
    return this.clientFor(group.state.groupContext.cipherSuite)
  }

  private current(bundle: KeyPackageBundle): boolean {
    return bundle.keyPackage.cipherSuite === this.client.suite.name
  }

  close(): Promise<void> {
    return this.store.close()
  }

  get stats(): MlsStats {
    const { messages, bytes } = this.store.pendingCounts
    return {
      pendingMessages: messages,
      pendingBytes: bytes,
      unansweredStrangers: this.unanswered.size,
      quota: { ...this.tally.counts }
    }
  }

  private async load(now: number): Promise<void> {
    for (const { meta, state } of await this.store.groups())
      this.groups.set(meta.id, { meta, state: decodeState(state) })
    const unanswered = [...this.groups.values()].flatMap(({ meta }) =>
      meta.unanswered === undefined ? [] : [[meta.id, meta.unanswered] as const]
    )
    for (const [id, since] of unanswered.sort(([, a], [, b]) => a - b)) this.unanswered.set(id, since)
    for (const [ref, value] of await this.store.keyPackageRecords()) {
      const stored = JSON.parse(new TextDecoder().decode(value)) as StoredKeyPackage
      const keyPackage = decodeKeyPackage(fromB64(stored.keyPackage))
      this.bundles.set(ref, {
        stored,
        bundle: {
          keyPackage,
          ref: new Uint8Array(Buffer.from(ref, 'hex')),
          privatePackage: {
            initPrivateKey: fromB64(stored.initPrivateKey),
            hpkePrivateKey: fromB64(stored.hpkePrivateKey),
            signaturePrivateKey: this.identity.secretKey
          }
        }
      })
    }
    await this.forgetUsedKeyPackages(now)
    await this.refillKeyPackages()
  }

  /** Forgets the used one-time key packages whose grace period is over. */
  private async forgetUsedKeyPackages(now: number): Promise<void> {
    const over = [...this.bundles.entries()].filter(
      ([, { stored }]) => stored.usedAt !== undefined && now - stored.usedAt > USED_KEY_PACKAGE_GRACE_MS
    )
    for (const [ref, { bundle }] of over) {
      bundle.privatePackage.initPrivateKey.fill(0)
      this.bundles.delete(ref)
    }
    if (over.length > 0) await this.store.deleteKeyPackages(over.map(([ref]) => ref))
  }

  /** Keeps ONE_TIME_KEY_PACKAGES unused one-time key packages and one last-resort one. */
  private async refillKeyPackages(): Promise<void> {
    const entries = [...this.bundles.values()].filter((entry) => this.current(entry.bundle))
    const fresh: [string, Uint8Array][] = []
    const wantLastResort = !entries.some((entry) => entry.stored.lastResort)
    const wantOneTime =
      ONE_TIME_KEY_PACKAGES - entries.filter((e) => !e.stored.lastResort && !e.stored.handedOut).length
    for (let i = 0; i < wantOneTime + (wantLastResort ? 1 : 0); i++) {
      const bundle = await this.client.createKeyPackage()
      const stored: StoredKeyPackage = {
        keyPackage: b64(encodeKeyPackage(bundle.keyPackage)),
        initPrivateKey: b64(bundle.privatePackage.initPrivateKey),
        hpkePrivateKey: b64(bundle.privatePackage.hpkePrivateKey),
        lastResort: wantLastResort && i === 0,
        handedOut: false
      }
      this.bundles.set(toHex(bundle.ref), { bundle, stored })
      fresh.push([toHex(bundle.ref), new TextEncoder().encode(JSON.stringify(stored))])
    }
    if (fresh.length > 0) await this.store.putKeyPackages(fresh)
  }

  /** An invite carrying a one-time key package, which is then no longer handed out again. */
  async invite(): Promise<string> {
    return INVITE_PREFIX + Buffer.from(await this.handOutKeyPackage()).toString('base64url')
  }

  /** One of our one-time key packages, encoded, marked as handed out (it goes out once). */
  private async handOutKeyPackage(): Promise<Uint8Array> {
    const entry = [...this.bundles.entries()].find(
      ([, e]) => this.current(e.bundle) && !e.stored.lastResort && !e.stored.handedOut
    )
    if (entry === undefined) throw new Error('no key package to hand out')
    const [ref, { bundle, stored }] = entry
    stored.handedOut = true
    await this.store.putKeyPackages([[ref, new TextEncoder().encode(JSON.stringify(stored))]])
    await this.refillKeyPackages()
    return encodeKeyPackage(bundle.keyPackage)
  }

  /**
   * The key packages this user makes known to the mesh (encoded): the last-resort one of the current suite and
   * up to ANNOUNCED_ONE_TIME_KEY_PACKAGES one-time ones not handed out yet.
   */
  announcedKeyPackages(): Uint8Array[] {
    const current = [...this.bundles.values()].filter((entry) => this.current(entry.bundle))
    const lastResort = current.filter((entry) => entry.stored.lastResort)
    const oneTime = current
      .filter((entry) => !entry.stored.lastResort && !entry.stored.handedOut)
      .slice(0, ANNOUNCED_ONE_TIME_KEY_PACKAGES)
    return [...lastResort, ...oneTime].map((entry) => fromB64(entry.stored.keyPackage))
  }

  /** Runs `work` after every earlier operation on the same group. */
  private serial<T>(groupId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(groupId) ?? Promise.resolve()
    const next = previous.then(work, work)
    this.queues.set(
      groupId,
      next.catch(() => undefined)
    )
    return next
  }

  private find(nameOrId: string): Group {
    const byId = this.groups.get(nameOrId.toLowerCase())
    if (byId !== undefined) return byId
    const all = [...this.groups.values()].filter((group) => group.meta.name === nameOrId)
    const current = all.filter((group) => !group.meta.removed)
    const named = current.length > 0 ? current : all
    if (named.length === 1 && named[0] !== undefined) return named[0]
    if (named.length > 1)
      throw new GroupCommandError(`several groups are named ${nameOrId}; give the group id`)
    throw new GroupCommandError(`no group named ${nameOrId}`)
  }

  async createGroup(name: string): Promise<GroupSummary> {
    if ([...this.groups.values()].some((group) => group.meta.name === name && !group.meta.removed)) {
      throw new GroupCommandError(`a group named ${name} exists already`)
    }
    const group = await this.newGroup(name, false, this.suite)
    await this.store.putGroup(group.meta, encodeState(group.state))
    this.groups.set(group.meta.id, group)
    return this.summary(group)
  }

  /** A group with this user alone, not stored yet. */
  private async newGroup(name: string, direct: boolean, suite: CiphersuiteName): Promise<Group> {
    const id = new Uint8Array(randomBytes(GROUP_ID_BYTES))
    const client = await this.clientFor(suite)
    const bundle = await client.createKeyPackage()
    const meta: GroupMeta = {
      id: toHex(id),
      name,
      direct,
      committer: toHex(this.identity.publicKey),
      removed: false
    }
    return { meta, state: await client.createGroup(id, bundle) }
  }

  /**
   * Adds the owners of `keyPackages`. The committer commits: a Welcome for each of them, the commit for the
   * members already in. Another member proposes the adds to the committer ({@link commits} tells which).
   */
  add(nameOrId: string, keyPackages: KeyPackage[], now: number): Promise<Outgoing[]> {
    const group = this.find(nameOrId)
    return this.serial(group.meta.id, async () => {
      this.assertMember(group)
      for (const keyPackage of keyPackages) {
        const identity = credentialIdentity(keyPackage.leafNode.credential)
        if (this.isMember(group, identity))
          throw new GroupCommandError(`${encodeAddress(identity)} is a member of ${group.meta.name} already`)
      }
      const refs = await this.unusedRefs(group, keyPackages)
      const out = await this.addOrPropose(group, keyPackages, now)
      await this.store.putUsedKeyPackages(refs, { group: group.meta.id, usedAt: now })
      return out
    })
  }

  /** Whether this user has put `keyPackage` into a group already. */
  async keyPackageUsed(keyPackage: KeyPackage): Promise<boolean> {
    const client = await this.clientFor(keyPackage.cipherSuite)
    return (await this.store.usedKeyPackage(toHex(await client.keyPackageRef(keyPackage)))) !== undefined
  }

  private async addOrPropose(group: Group, keyPackages: KeyPackage[], now: number): Promise<Outgoing[]> {
    if (!this.isCommitter(group)) {
      const epoch = Number(group.state.groupContext.epoch)
      const intents = keyPackages.map((keyPackage): Intent => ({
        kind: 'add',
        identity: toHex(credentialIdentity(keyPackage.leafNode.credential)),
        keyPackage: b64(encodeKeyPackage(keyPackage)),
        epoch
      }))
      return this.propose(group, intents, now)
    }
    const before = members(group.state)
    const { state, commit, welcome } = await (await this.clientOf(group)).add(group.state, keyPackages)
    return this.afterCommit(group, state, before, commit, welcome, now)
  }

  /**
   * The refs of key packages about to be used in `group`, refused when one was used before: a one-time key
   * package (an invite) opens one Welcome for its owner, so a second use would leave them out for good.
   */
  private async unusedRefs(group: Group, keyPackages: KeyPackage[]): Promise<string[]> {
    const client = await this.clientOf(group)
    const refs: string[] = []
    for (const keyPackage of keyPackages) {
      const ref = toHex(await client.keyPackageRef(keyPackage))
      const used = await this.store.usedKeyPackage(ref)
      if (used !== undefined) {
        const where = this.groups.get(used.group)?.meta.name ?? used.group.slice(0, 8)
        throw new GroupCommandError(
          `this invite of ${encodeAddress(credentialIdentity(keyPackage.leafNode.credential))} was used ` +
            `already (${new Date(used.usedAt).toISOString()}, group ${where}): ask them for a new one`
        )
      }
      refs.push(ref)
    }
    return refs
  }

  /** Whether this member commits the group's changes itself, rather than proposing them. */
  commits(nameOrId: string): boolean {
    return this.isCommitter(this.find(nameOrId))
  }

  private isCommitter(group: Group): boolean {
    return group.meta.committer === toHex(this.identity.publicKey)
  }

  /**
   * Remembers to add `identity` once its key package comes back from the request the caller sends over the
   * mesh; {@link keyPackageArrived} then commits or proposes the add.
   */
  async requestAdd(nameOrId: string, identity: Uint8Array): Promise<void> {
    const group = this.find(nameOrId)
    this.assertMember(group)
    await this.store.putPendingAdd(toHex(identity), group.meta.id)
  }

  /**
   * A key package from `identity`, answering a request: adds it to the groups that wait for it, or else starts
   * the 1:1 group with the first messages kept for it. A one-time key package serves one group only, so
   * `requestAgain` says first messages still wait for another one.
   */
  async keyPackageArrived(
    identity: Uint8Array,
    keyPackage: KeyPackage,
    now: number
  ): Promise<{ outgoing: Outgoing[]; requestAgain: boolean }> {
    if (toHex(credentialIdentity(keyPackage.leafNode.credential)) !== toHex(identity))
      throw new MlsRejectedError('a key package that names another identity than its sender')
    const outgoing: Outgoing[] = []
    let used = false
    for (const groupId of await this.store.takePendingAdds(toHex(identity))) {
      const group = this.groups.get(groupId)
      if (group === undefined || group.meta.removed) continue
      if (members(group.state).some((member) => toHex(member) === toHex(identity))) continue
      outgoing.push(...(await this.add(groupId, [keyPackage], now)))
      used = true
    }
    outgoing.push(...(await this.sendFirsts(identity, used ? undefined : keyPackage, now)))
    const requestAgain = (await this.store.firstMessages(toHex(identity))).length > 0
    return { outgoing, requestAgain }
  }

  /**
   * The people first messages wait for, with the envelope that last asked them for a key package (to ask again
   * after a restart unless that one still waits in the outbox).
   */
  async waitingRecipients(): Promise<{ recipient: Uint8Array; request?: string }[]> {
    const recipients = new Set((await this.store.firstMessages()).map(({ recipient }) => recipient))
    return Promise.all(
      [...recipients].map(async (recipient) => ({
        recipient: new Uint8Array(Buffer.from(recipient, 'hex')),
        request: await this.store.request(recipient)
      }))
    )
  }

  /** Remembers the envelope that asked `recipient` for a key package. */
  requestSent(recipient: Uint8Array, envelopeId: string): Promise<void> {
    return this.store.putRequest(toHex(recipient), envelopeId)
  }

  /** Removes members: the committer commits, another member proposes (see {@link add}). */
  remove(nameOrId: string, identities: Uint8Array[], now: number): Promise<Outgoing[]> {
    const group = this.find(nameOrId)
    return this.serial(group.meta.id, async () => {
      this.assertMember(group)
      for (const identity of identities) {
        if (toHex(identity) === group.meta.committer)
          throw new GroupCommandError(`the committer cannot be removed from ${group.meta.name}`)
        if (!this.isMember(group, identity))
          throw new GroupCommandError(`${encodeAddress(identity)} is not a member of ${group.meta.name}`)
      }
      if (!this.isCommitter(group)) {
        const epoch = Number(group.state.groupContext.epoch)
        return this.propose(
          group,
          identities.map((identity): Intent => ({ kind: 'remove', identity: toHex(identity), epoch })),
          now
        )
      }
      const before = members(group.state)
      const { state, commit } = await (await this.clientOf(group)).remove(group.state, identities)
      return this.afterCommit(group, state, before, commit, undefined, now)
    })
  }

  private assertMember(group: Group): void {
    if (group.meta.removed) throw new GroupCommandError(`you are no longer a member of ${group.meta.name}`)
  }

  private isMember(group: Group, identity: Uint8Array): boolean {
    return members(group.state).some((member) => toHex(member) === toHex(identity))
  }

  /**
   * Sends `intents` to the committer as proposals of the current epoch, in one application message (whose
   * receipt seed the envelope's receipt uses), and stores them as this member's proposals in the same write
   * as the state.
   */
  private async propose(group: Group, intents: Intent[], now: number): Promise<Outgoing[]> {
    const client = await this.clientOf(group)
    const wanted: Proposal[] = intents.flatMap((intent) =>
      intent.kind === 'add'
        ? client.addProposals([decodeKeyPackage(fromB64(intent.keyPackage))])
        : removeProposals(group.state, [Buffer.from(intent.identity, 'hex')])
    )
    const proposals: Uint8Array[] = []
    for (const proposal of wanted) proposals.push(await client.propose(group.state, proposal))
    const seed = new Uint8Array(randomBytes(32))
    const sent = await client.encrypt(
      group.state,
      GroupContent.encode({
        kind: GroupContent.Kind.PROPOSALS,
        proposals,
        sentAt: BigInt(now),
        receiptSeed: seed
      })
    )
    group.state = sent.state
    const epoch = Number(group.state.groupContext.epoch)
    const others = (group.meta.proposed ?? []).filter(
      (old) => !intents.some((intent) => sameChange(old, intent))
    )
    group.meta.proposed = [...others, ...intents.map((intent) => ({ ...intent, epoch }))]
    await this.store.putGroup(group.meta, encodeState(group.state))
    log('proposed %s in group %x, epoch %d', intents.map(describeIntent).join(', '), group.meta.id, epoch)
    const committer = new Uint8Array(Buffer.from(group.meta.committer, 'hex'))
    return [
      {
        recipientKey: committer,
        payload: encodeMlsPayload({ messages: [sent.message] }),
        receiptSecret: receiptSecret(seed, committer),
        priority: 'critical'
      }
    ]
  }

  /**
   * At the committer: commits the members' proposals it took, by reference, after an application message that
   * carries them to every member.
   */
  private async commitProposals(group: Group, now: number): Promise<Outgoing[]> {
    const client = await this.clientOf(group)
    const proposals = (group.meta.proposals ?? []).map(fromB64)
    const carrier = await client.encrypt(
      group.state,
      GroupContent.encode({ kind: GroupContent.Kind.PROPOSALS, proposals, sentAt: BigInt(now) })
    )
    // The carrier used up a message key: the group goes on from this state even if the commit fails.
    group.state = carrier.state
    let state = group.state
    for (const proposal of proposals) state = await client.takeProposal(state, decodeMessage(proposal))
    const before = members(group.state)
    const { state: next, commit, welcome } = await client.commit(state, [])
    log('committing %d proposals in group %x', proposals.length, group.meta.id)
    return this.afterCommit(group, next, before, commit, welcome, now, carrier.message)
  }

  /**
   * At a proposal's author, once a commit opened a later epoch than the one it was proposed in: proposes again
   * what the group still lacks, forgets the rest.
   */
  private async reconsider(group: Group, now: number): Promise<Outgoing[]> {
    const epoch = Number(group.state.groupContext.epoch)
    const proposed = group.meta.proposed ?? []
    const due = proposed.filter((intent) => intent.epoch < epoch || group.meta.removed)
    if (due.length === 0) return []
    const again = due.filter((intent) => !group.meta.removed && !applied(group.state, intent))
    for (const intent of due.filter((intent) => !again.includes(intent))) {
      log(
        'dropped my proposal to %s in group %x: %s',
        describeIntent(intent),
        group.meta.id,
        group.meta.removed ? 'I was removed' : 'the group is so already'
      )
    }
    group.meta.proposed = proposed.filter((intent) => !due.includes(intent))
    if (again.length > 0) return this.propose(group, again, now)
    await this.store.putGroup(group.meta, encodeState(group.state))
    return []
  }

  /**
   * Stores the new epoch, then builds: Welcome + META for new members, commit + META for the others, commit alone
   * for removed ones (so that they learn they are out). `carrier`, the committer's application message with the
   * proposals the commit includes by reference, goes before the commit.
   */
  private async afterCommit(
    group: Group,
    state: ClientState,
    before: Uint8Array[],
    commit: Uint8Array,
    welcome: Uint8Array | undefined,
    now: number,
    carrier?: Uint8Array
  ): Promise<Outgoing[]> {
    const seed = new Uint8Array(randomBytes(32))
    const meta = await (
      await this.clientOf(group)
    ).encrypt(
      state,
      GroupContent.encode({
        kind: GroupContent.Kind.META,
        groupName: group.meta.name,
        direct: group.meta.direct,
        sentAt: BigInt(now),
        receiptSeed: seed
      })
    )
    group.state = meta.state
    group.meta.proposals = undefined
    await this.store.putGroup(group.meta, encodeState(group.state))
    const self = toHex(this.identity.publicKey)
    const known = new Set(before.map(toHex))
    const after = members(group.state)
    const staying = new Set(after.map(toHex))
    const out: Outgoing[] = []
    const carried = carrier === undefined ? [commit] : [carrier, commit]
    const existing = encodeMlsPayload({ messages: [...carried, meta.message] })
    const leaving = encodeMlsPayload({ messages: carried })
    for (const member of before) {
      if (toHex(member) === self) continue
      const stays = staying.has(toHex(member))
      const payload = stays ? existing : leaving
      // A removed member cannot read META, so its receipt is bound to the commit's bytes instead.
      const secret = stays ? receiptSecret(seed, member) : receiptSecret(commit, member)
      out.push({ recipientKey: member, payload, receiptSecret: secret, priority: 'critical' })
    }
    if (welcome !== undefined) {
      const joining = encodeMlsPayload({ welcome, messages: [meta.message] })
      for (const member of after) {
        if (known.has(toHex(member))) continue
        out.push({
          recipientKey: member,
          payload: joining,
          receiptSecret: receiptSecret(seed, member),
          priority: 'critical'
        })
      }
    }
    return out
  }

  /** A text to every other member of the group. */
  send(nameOrId: string, text: string, now: number): Promise<Outgoing[]> {
    const group = this.find(nameOrId)
    return this.serial(group.meta.id, () => this.sendIn(group, text, now, 'normal'))
  }

  private async sendIn(group: Group, text: string, now: number, priority: Priority): Promise<Outgoing[]> {
    this.assertMember(group)
    const { message, seed, state } = await this.encryptText(group, group.state, {
      kind: GroupContent.Kind.TEXT,
      text,
      sentAt: BigInt(now)
    })
    const payload = this.fitting(encodeMlsPayload({ messages: [message] }))
    group.state = state
    await this.store.putGroup(group.meta, encodeState(group.state))
    const self = toHex(this.identity.publicKey)
    return members(group.state)
      .filter((member) => toHex(member) !== self)
      .map((member) => ({
        recipientKey: member,
        payload,
        receiptSecret: receiptSecret(seed, member),
        priority
      }))
  }

  /** Refuses a payload over the envelope limit, before the state that made it is kept. */
  private fitting(payload: Uint8Array): Uint8Array {
    this.assertFits(payload.length)
    return payload
  }

  private assertFits(bytes: number): void {
    if (bytes > this.maxPayloadBytes) {
      throw new OversizeEnvelopeError(
        `the message is ${bytes} bytes encrypted, over the limit of ${this.maxPayloadBytes} ` +
          '(envelope.max_payload_bytes)'
      )
    }
  }

  /**
   * A text to one person: in the 1:1 group with them; with `keyPackage` (an invite, or one known from the
   * mesh) and no such group yet, in a new one whose Welcome travels with the text. With neither: `sealed`,
   * the text goes at once sealed to the person's identity key with a key package of ours, and their Welcome
   * starts the group; else it is kept on disk until the person's key package arrives
   * ({@link keyPackageArrived}), and `request` says that no earlier first message waits for them, so the
   * caller asks them for one.
   */
  sendDirect(
    recipientKey: Uint8Array,
    text: string,
    now: number,
    priority: Priority,
    keyPackage?: KeyPackage,
    sealed = false
  ): Promise<DirectSent> {
    return this.serial(`first:${toHex(recipientKey)}`, async () => {
      const existing = this.directGroup(recipientKey)
      if (existing !== undefined)
        return {
          outgoing: await this.serial(existing.meta.id, () => this.sendIn(existing, text, now, priority))
        }
      if (keyPackage !== undefined) {
        const group = await this.newGroup(encodeAddress(recipientKey), true, keyPackage.cipherSuite)
        const refs = await this.unusedRefs(group, [keyPackage])
        const outgoing = await this.startDirect(group, keyPackage, [{ text, sentAt: now, priority }], [], now)
        await this.store.putUsedKeyPackages(refs, { group: group.meta.id, usedAt: now })
        return { outgoing }
      }
      const messageId = new Uint8Array(randomBytes(MESSAGE_ID_BYTES))
      const id = inboxId(this.identity.publicKey, messageId)
      if (sealed) {
        const body = FirstText.encode({ text, messageId, keyPackage: await this.handOutKeyPackage() })
        return { sealed: { id, body } }
      }
      this.assertFits(Buffer.byteLength(text) + FIRST_MESSAGE_OVERHEAD)
      const waiting = await this.store.firstMessages(toHex(recipientKey))
      await this.store.putFirst(toHex(recipientKey), {
        text,
        sentAt: now,
        priority,
        messageId: toHex(messageId)
      })
      return { queued: { id, request: waiting.length === 0 } }
    })
  }

  /**
   * A first text that `sender` sealed to us arrived with a key package of theirs: starts the 1:1 group with
   * it (its Welcome, with the first messages we kept for them, if any), unless there is one already.
   */
  firstTextArrived(sender: Uint8Array, keyPackage: KeyPackage, now: number): Promise<Outgoing[]> {
    if (toHex(credentialIdentity(keyPackage.leafNode.credential)) !== toHex(sender))
      throw new MlsRejectedError('a key package that names another identity than its sender')
    return this.startForFirstText(sender, keyPackage, now)
  }

  /** Starts the 1:1 group a first text asks for, within the stranger quotas. */
  private async startForFirstText(
    sender: Uint8Array,
    keyPackage: KeyPackage,
    now: number
  ): Promise<Outgoing[]> {
    const stranger = await this.isStranger(sender)
    if (stranger && !this.mayServeStranger('stranger text unanswered', now)) return []
    const outgoing = await this.sendFirsts(sender, keyPackage, now, { stranger })
    await this.evictUnanswered(now)
    return outgoing
  }

  /**
   * Whether `identity` is in no group of ours and no first message of ours waits for them: a group started
   * for them, and key packages handed out to them, count against the stranger quotas.
   */
  private async isStranger(identity: Uint8Array): Promise<boolean> {
    return (
      !this.inConversationWith(identity) && (await this.store.firstMessages(toHex(identity))).length === 0
    )
  }

  /** Whether `identity` is in a group of ours (not one we were removed from). */
  inConversationWith(identity: Uint8Array): boolean {
    const wanted = toHex(identity)
    return [...this.groups.values()].some(
      (group) => !group.meta.removed && members(group.state).some((member) => toHex(member) === wanted)
    )
  }

  /** Takes a slot of the hourly stranger quota, or counts `refusal` when there is none left. */
  private mayServeStranger(refusal: MlsQuotaReason, now: number): boolean {
    if (this.strangerStarts.take(now)) return true
    this.tally.hit(refusal, now)
    return false
  }

  /**
   * An invite for `requester`, who asked for a key package; undefined when they are a stranger over the
   * hourly quota (the request stays unanswered).
   */
  async inviteFor(requester: Uint8Array, now: number): Promise<string | undefined> {
    if ((await this.isStranger(requester)) && !this.mayServeStranger('stranger request unanswered', now))
      return undefined
    return this.invite()
  }

  /** Forgets the oldest groups started for strangers who never answered, beyond the quota. */
  private async evictUnanswered(now: number): Promise<void> {
    for (const id of [...this.unanswered.keys()]) {
      if (this.unanswered.size <= this.limits.maxUnansweredStrangers) return
      this.unanswered.delete(id)
      await this.serial(id, async () => {
        const group = this.groups.get(id)
        if (group?.meta.unanswered === undefined) return
        this.groups.delete(id)
        await this.store.deleteGroup(id)
        this.tally.hit('stranger group evicted', now)
      })
    }
  }

  /** First messages waiting for their recipient's key package, oldest first. */
  async waitingFirstMessages(): Promise<WaitingFirstMessage[]> {
    return (await this.store.firstMessages()).map(({ recipient, message }) => ({
      id: inboxId(this.identity.publicKey, Buffer.from(message.messageId, 'hex')),
      recipient: new Uint8Array(Buffer.from(recipient, 'hex')),
      priority: message.priority,
      sentAt: message.sentAt
    }))
  }

  /** Discards waiting first messages: those with the given ids, or all. Returns how many. */
  async discardFirstMessages(ids?: string[]): Promise<number> {
    const wanted = ids === undefined ? undefined : new Set(ids)
    const keys = (await this.store.firstMessages())
      .filter(({ message }) => {
        const id = inboxId(this.identity.publicKey, Buffer.from(message.messageId, 'hex'))
        return wanted === undefined || wanted.has(id)
      })
      .map(({ key }) => key)
    if (keys.length > 0) await this.store.deleteFirsts(keys)
    return keys.length
  }

  /**
   * Sends the first messages kept for `recipientKey`: in the 1:1 group with them, or in a new one started from
   * `keyPackage`. With `start`, the group is started even when no message waits, as unanswered if they are a
   * stranger.
   */
  private sendFirsts(
    recipientKey: Uint8Array,
    keyPackage: KeyPackage | undefined,
    now: number,
    start?: { stranger: boolean }
  ): Promise<Outgoing[]> {
    return this.serial(`first:${toHex(recipientKey)}`, async () => {
      const firsts = await this.store.firstMessages(toHex(recipientKey))
      const texts = firsts.map(({ message }) => ({
        ...message,
        messageId: new Uint8Array(Buffer.from(message.messageId, 'hex'))
      }))
      const keys = firsts.map(({ key }) => key)
      const existing = this.directGroup(recipientKey)
      if (existing !== undefined)
        return firsts.length === 0
          ? []
          : this.serial(existing.meta.id, () =>
              this.sendTexts(existing, recipientKey, undefined, texts, keys, now)
            )
      if (keyPackage === undefined || (firsts.length === 0 && start === undefined)) return []
      const group = await this.newGroup(encodeAddress(recipientKey), true, keyPackage.cipherSuite)
      if (start?.stranger === true && firsts.length === 0) group.meta.unanswered = now
      const outgoing = await this.startDirect(group, keyPackage, texts, keys, now)
      if (group.meta.unanswered !== undefined) this.unanswered.set(group.meta.id, now)
      return outgoing
    })
  }

  /**
   * Makes `group`, new and not stored yet, the 1:1 group with the owner of `keyPackage`; its Welcome travels
   * with the first text, or with a META message naming the group when there is none. Nothing is kept if a
   * text does not fit an envelope.
   */
  private startDirect(
    group: Group,
    keyPackage: KeyPackage,
    texts: DirectText[],
    firstKeys: string[],
    now: number
  ): Promise<Outgoing[]> {
    return this.serial(group.meta.id, async () => {
      const { state, welcome } = await (await this.clientOf(group)).add(group.state, [keyPackage])
      group.state = state
      const recipientKey = credentialIdentity(keyPackage.leafNode.credential)
      return this.sendTexts(group, recipientKey, welcome, texts, firstKeys, now)
    })
  }

  /**
   * Encrypts texts for the other member of a 1:1 group, one envelope each (the first with `welcome`, and with
   * the group's name), and stores the group's state, forgetting the kept first messages `firstKeys` in the
   * same write. A payload over the envelope limit refuses the whole and keeps nothing.
   */
  private async sendTexts(
    group: Group,
    recipientKey: Uint8Array,
    welcome: Uint8Array | undefined,
    texts: DirectText[],
    firstKeys: string[],
    now: number
  ): Promise<Outgoing[]> {
    const naming = { groupName: encodeAddress(this.identity.publicKey), direct: true }
    const contents: Partial<GroupContent>[] = texts.map((text) => ({
      kind: GroupContent.Kind.TEXT,
      text: text.text,
      sentAt: BigInt(text.sentAt),
      messageId: text.messageId
    }))
    if (welcome !== undefined && contents.length === 0)
      contents.push({ kind: GroupContent.Kind.META, sentAt: BigInt(now) })
    const out: Outgoing[] = []
    let state = group.state
    for (const [i, content] of contents.entries()) {
      const joining = welcome !== undefined && i === 0
      const sent = await this.encryptText(group, state, joining ? { ...content, ...naming } : content)
      state = sent.state
      out.push({
        recipientKey,
        payload: this.fitting(
          encodeMlsPayload(joining ? { welcome, messages: [sent.message] } : { messages: [sent.message] })
        ),
        receiptSecret: receiptSecret(sent.seed, recipientKey),
        priority: joining ? 'critical' : (texts[i]?.priority ?? 'critical')
      })
    }
    group.state = state
    await this.store.putGroupTakingFirsts(group.meta, encodeState(group.state), firstKeys)
    this.groups.set(group.meta.id, group)
    return out
  }

  /** Encrypts `content` with a fresh receipt seed, from `state`; the caller keeps the new state. */
  private async encryptText(
    group: Group,
    state: ClientState,
    content: Partial<GroupContent>
  ): Promise<{ message: Uint8Array; seed: Uint8Array; state: ClientState }> {
    const seed = new Uint8Array(randomBytes(32))
    const sent = await (
      await this.clientOf(group)
    ).encrypt(state, GroupContent.encode({ ...content, receiptSeed: seed }))
    return { message: sent.message, seed, state: sent.state }
  }

  private directGroup(recipientKey: Uint8Array): Group | undefined {
    const wanted = toHex(recipientKey)
    return [...this.groups.values()].find(
      (group) =>
        group.meta.direct &&
        !group.meta.removed &&
        members(group.state).some((member) => toHex(member) === wanted)
    )
  }

  /** Reads an MLS-layer payload addressed to this user; throws MlsRejectedError when it is not acceptable. */
  async receive(envelopeId: string, bytes: Uint8Array, now: number): Promise<Received> {
    let payload: MlsPayload
    try {
      payload = payloads.decode(bytes.subarray(1))
    } catch {
      throw new MlsRejectedError('MLS payload does not decode')
    }
    const messages = decodeAll(payload.messages)
    const first = messages[0]?.message
    if (first === undefined) throw new MlsRejectedError('MLS payload without a group message')
    const groupId = groupIdOf(first)
    if (messages.some(({ message }) => groupIdOf(message) !== groupId))
      throw new MlsRejectedError('MLS payload mixes groups')
    return this.serial(groupId, async () => {
      if (payload.welcome.length > 0) await this.join(decodeMessage(payload.welcome), groupId, now)
      const group = this.groups.get(groupId)
      if (group === undefined || epochOf(first) > group.state.groupContext.epoch) {
        // Its Welcome, or the commit that opens its epoch, has not arrived yet.
        const pending = { envelopeId, epoch: epochOf(first), messages: payload.messages }
        const keep = () => this.serial(groupId, () => this.keepPending(groupId, pending, now))
        return { texts: [], late: [], outgoing: [], keep }
      }
      const read = await this.process(group, envelopeId, messages)
      const drained = await this.drain(group)
      return {
        receiptSecret: read.receiptSecret,
        texts: [...read.texts, ...drained.texts],
        late: drained.late,
        outgoing: await this.followUp(group, now)
      }
    })
  }

  /** Keeps a message for its epoch within the pending quota. */
  private async keepPending(groupId: string, pending: PendingMessage, now: number): Promise<void> {
    const { kept, evicted } = await this.store.putPending(groupId, pending, {
      perGroup: this.limits.maxPendingBytesPerGroup,
      total: this.limits.maxPendingBytes
    })
    if (evicted > 0) this.tally.hit('pending evicted', now, evicted)
    if (kept) log('kept a message of group %x for epoch %d', groupId, pending.epoch)
    else this.tally.hit('pending refused', now)
  }

  /** What reading a group's messages calls for: the committer commits proposals it took, authors re-propose. */
  private async followUp(group: Group, now: number): Promise<Outgoing[]> {
    if (!this.isCommitter(group) || (group.meta.proposals ?? []).length === 0)
      return this.reconsider(group, now)
    try {
      return await this.commitProposals(group, now)
    } catch (err) {
      // Their authors propose again when they see the next epoch.
      log.error('could not commit the proposals of group %x: %s', group.meta.id, (err as Error).message)
      group.meta.proposals = undefined
      await this.store.putGroup(group.meta, encodeState(group.state))
      return []
    }
  }

  /**
   * Finishes what a restart may have cut short, to be sent like what {@link receive} returns: the committer
   * commits the proposals it took; another member sends again its proposals of the current epoch, in case the
   * first envelope never reached the outbox (when both arrive, the committer drops the second as stale).
   */
  async resume(now: number): Promise<Outgoing[]> {
    const outgoing: Outgoing[] = []
    for (const group of this.groups.values()) {
      const sent = await this.serial(group.meta.id, async () => {
        const epoch = Number(group.state.groupContext.epoch)
        const current = (group.meta.proposed ?? []).filter((intent) => intent.epoch === epoch)
        return this.isCommitter(group) || group.meta.removed || current.length === 0
          ? this.followUp(group, now)
          : this.propose(group, current, now)
      })
      outgoing.push(...sent)
    }
    return outgoing
  }

  /** Joins from a Welcome, unless already a member (a removed member may be added again). */
  private async join(welcome: MLSMessage, groupId: string, now: number): Promise<void> {
    const existing = this.groups.get(groupId)
    if (existing !== undefined && !existing.meta.removed) return
    if (welcome.wireformat !== 'mls_welcome') throw new MlsRejectedError('not a Welcome')
    const client = await this.clientFor(welcome.welcome.cipherSuite)
    const joined = await client.join(welcome, (ref) => this.bundles.get(toHex(ref))?.bundle)
    if (joined === undefined) throw new MlsRejectedError('a Welcome for none of our key packages')
    const id = toHex(joined.state.groupContext.groupId)
    if (id !== groupId) throw new MlsRejectedError('a Welcome for another group than its messages')
    const committer = members(joined.state)[0]
    if (committer === undefined) throw new MlsRejectedError('a group without members')
    const meta: GroupMeta = {
      id,
      name: id.slice(0, 8),
      direct: false,
      committer: toHex(committer),
      removed: false
    }
    const ref = toHex(joined.used.ref)
    const used = this.bundles.get(ref)?.stored
    const firstUse = used !== undefined && !used.lastResort && used.usedAt === undefined
    if (firstUse) {
      // Kept for USED_KEY_PACKAGE_GRACE_MS, never handed out again: another copy of it may be on its way.
      used.usedAt = now
      used.handedOut = true
    }
    await this.store.joinGroup(
      meta,
      encodeState(joined.state),
      firstUse ? [ref, new TextEncoder().encode(JSON.stringify(used))] : undefined
    )
    if (firstUse) await this.refillKeyPackages()
    this.groups.set(id, { meta, state: joined.state })
    log('joined group %x', id)
  }

  /** Processes one envelope's messages in order; the receipt comes from the last readable content. */
  private async process(
    group: Group,
    envelopeId: string,
    messages: DecodedMessage[]
  ): Promise<{ receiptSecret?: Uint8Array; texts: GroupText[] }> {
    const texts: GroupText[] = []
    let secret: Uint8Array | undefined
    const client = await this.clientOf(group)
    for (const { bytes, message } of messages) {
      if (group.meta.removed) break
      const received = await client.receive(
        group.state,
        message,
        (sender) => toHex(sender) === group.meta.committer
      )
      group.state = received.state
      if (received.kind === 'commit') {
        if (received.state.groupActiveState.kind !== 'active') {
          group.meta.removed = true
          secret = receiptSecret(bytes, this.identity.publicKey)
        }
        continue
      }
      let content: GroupContent
      try {
        content = groupContents.decode(received.plaintext)
      } catch {
        throw new MlsRejectedError('group content does not decode')
      }
      secret = receiptSecret(content.receiptSeed, this.identity.publicKey)
      if (content.groupName !== '' && toHex(received.sender) === group.meta.committer) {
        group.meta.name = content.groupName
        group.meta.direct = content.direct
      }
      if (content.kind === GroupContent.Kind.PROPOSALS)
        await this.proposalsFrom(group, received.sender, content)
      if (content.kind === GroupContent.Kind.TEXT) {
        texts.push({
          id: content.messageId.length > 0 ? inboxId(received.sender, content.messageId) : envelopeId,
          groupId: group.meta.id,
          group: group.meta.name,
          direct: group.meta.direct,
          from: received.sender,
          text: content.text,
          sentAt: Number(content.sentAt)
        })
      }
    }
    if (group.meta.unanswered !== undefined) {
      // Only its other member writes to us in it, so they took the Welcome.
      group.meta.unanswered = undefined
      this.unanswered.delete(group.meta.id)
    }
    await this.store.putGroup(group.meta, encodeState(group.state))
    return { receiptSecret: secret, texts }
  }

  /**
   * Proposals in an application message. From the committer: those its next message, the commit, includes by
   * reference; every member keeps them. From another member, at the committer: taken for the next commit if
   * they are of the current epoch and acceptable, else dropped with the reason (a stale one is proposed again
   * by its author).
   */
  private async proposalsFrom(group: Group, sender: Uint8Array, content: GroupContent): Promise<void> {
    const client = await this.clientOf(group)
    const from = toHex(sender)
    if (from === group.meta.committer) {
      for (const bytes of content.proposals)
        group.state = await client.takeProposal(group.state, decodeMessage(bytes))
      return
    }
    if (!this.isCommitter(group)) {
      log(
        'ignored proposals for the committer of group %x sent to me by %x',
        group.meta.id,
        encodeAddress(sender)
      )
      return
    }
    const taken = (group.meta.proposals ?? []).map(fromB64)
    for (const bytes of content.proposals) {
      const problem = await proposalRefusal(client, group.state, bytes, from, group.meta.committer, taken)
      if (problem !== undefined) {
        log('dropped a proposal of %x in group %x: %s', encodeAddress(sender), group.meta.id, problem)
        continue
      }
      taken.push(bytes)
    }
    group.meta.proposals = taken.map(b64)
  }

  /** Reads kept messages whose epoch has now arrived; the receipts of their envelopes are due now. */
  private async drain(group: Group): Promise<Pick<Received, 'texts' | 'late'>> {
    const texts: GroupText[] = []
    const late: Received['late'] = []
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const pending = await this.store.takePending(group.meta.id, group.state.groupContext.epoch)
      if (pending.length === 0) break
      for (const kept of pending) {
        try {
          const read = await this.process(group, kept.envelopeId, decodeAll(kept.messages))
          texts.push(...read.texts)
          if (read.receiptSecret !== undefined)
            late.push({ envelopeId: kept.envelopeId, receiptSecret: read.receiptSecret })
        } catch (err) {
          log.error('a kept message of group %x does not read: %s', group.meta.id, (err as Error).message)
        }
      }
    }
    return { texts, late }
  }

  list(): GroupSummary[] {
    return [...this.groups.values()].map((group) => this.summary(group))
  }

  info(nameOrId: string): GroupSummary {
    return this.summary(this.find(nameOrId))
  }

  private summary({ meta, state }: Group): GroupSummary {
    return {
      id: meta.id,
      name: meta.name,
      direct: meta.direct,
      epoch: Number(state.groupContext.epoch),
      members: members(state).map((member) => encodeAddress(member)),
      committer: encodeAddress(Buffer.from(meta.committer, 'hex')),
      removed: meta.removed,
      ciphersuite: state.groupContext.cipherSuite,
      proposed: (meta.proposed ?? []).map(describeIntent)
    }
  }
}

interface DecodedMessage {
  bytes: Uint8Array
  message: MLSMessage
}

function decodeAll(raw: Uint8Array[]): DecodedMessage[] {
  return raw.map((bytes) => ({ bytes, message: decodeMessage(bytes) }))
}

function groupIdOf(message: MLSMessage): string {
  if (message.wireformat === 'mls_private_message') return toHex(message.privateMessage.groupId)
  if (message.wireformat === 'mls_public_message') return toHex(message.publicMessage.content.groupId)
  throw new MlsRejectedError(`not a group message: ${message.wireformat}`)
}

function epochOf(message: MLSMessage): bigint {
  if (message.wireformat === 'mls_private_message') return message.privateMessage.epoch
  if (message.wireformat === 'mls_public_message') return message.publicMessage.content.epoch
  return 0n
}
