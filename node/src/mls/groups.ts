import type { CiphersuiteName, ClientState } from 'ts-mls'
import { encodeAddress } from '../identity/index.ts'
import { decodeState, encodeState, members, MlsClient } from './client.ts'
import type { MlsIdentity } from './client.ts'
import { GroupCommandError } from './errors.ts'
import { encodeMlsPayload, receiptSecret } from './outgoing.ts'
import type { Outgoing } from './outgoing.ts'
import { GroupContent } from './payload.pb.ts'
import { describeIntent } from './proposals.ts'
import type { GroupMeta, MlsStore } from './store.ts'
import { ciphersuite } from './suite.ts'
import { OversizeEnvelopeError, toHex } from '../wire/index.ts'
import type { Priority } from '../wire/index.ts'

const GROUP_ID_BYTES = 16
const RECEIPT_SEED_BYTES = 32

/** Where random bytes come from: group ids, message ids and receipt seeds. */
export type Random = (bytes: number) => Uint8Array

/**
 * A group as this node keeps it. Never changed in place: an operation takes a group and returns the next
 * one (the same object when nothing changed), and the book stores what it is given.
 */
export interface Group {
  readonly meta: Readonly<GroupMeta>
  readonly state: ClientState
}

/** A group after an operation, and the envelopes the operation produced. */
export interface Step {
  group: Group
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

/**
 * This user's groups, in memory and in the store, with what every part of the MLS layer needs of them: the
 * client of each group's suite, one queue of operations per group, encryption with a fresh receipt seed, and
 * the envelope size limit.
 */
export class GroupBook {
  private readonly groups = new Map<string, Group>()
  private readonly queues = new Map<string, Promise<unknown>>()
  /** Clients per ciphersuite: groups keep the suite they were created with whatever the configuration says. */
  private readonly clients = new Map<CiphersuiteName, Promise<MlsClient>>()
  /** Hex identity key of this user. */
  readonly self: string

  /**
   * @param client works in the configured suite: that of new groups and of the key packages handed out
   * @param maxPayloadBytes the largest payload an envelope may carry: a text that would exceed it is refused
   * before any group state changes
   */
  constructor(
    readonly identity: MlsIdentity,
    readonly client: MlsClient,
    readonly store: MlsStore,
    readonly random: Random,
    private readonly maxPayloadBytes: number
  ) {
    this.clients.set(client.suite.name, Promise.resolve(client))
    this.self = toHex(identity.publicKey)
  }

  async load(): Promise<void> {
    for (const { meta, state } of await this.store.groups())
      this.groups.set(meta.id, { meta, state: decodeState(state) })
  }

  clientFor(name: CiphersuiteName): Promise<MlsClient> {
    let client = this.clients.get(name)
    if (client === undefined) {
      client = ciphersuite(name).then((impl) => new MlsClient(this.identity, impl))
      this.clients.set(name, client)
    }
    return client
  }

  clientOf(group: Group): Promise<MlsClient> {
    return this.clientFor(group.state.groupContext.cipherSuite)
  }

  get(id: string): Group | undefined {
    return this.groups.get(id)
  }

  all(): Group[] {
    return [...this.groups.values()]
  }

  find(nameOrId: string): Group {
    const byId = this.groups.get(nameOrId.toLowerCase())
    if (byId !== undefined) return byId
    const all = this.all().filter((group) => group.meta.name === nameOrId)
    const current = all.filter((group) => !group.meta.removed)
    const named = current.length > 0 ? current : all
    if (named.length === 1 && named[0] !== undefined) return named[0]
    if (named.length > 1)
      throw new GroupCommandError(`several groups are named ${nameOrId}; give the group id`)
    throw new GroupCommandError(`no group named ${nameOrId}`)
  }

  /** The 1:1 group with `recipientKey`, if there is one this user is still in. */
  directGroup(recipientKey: Uint8Array): Group | undefined {
    return this.all().find(
      (group) => group.meta.direct && !group.meta.removed && this.isMember(group, recipientKey)
    )
  }

  /** Whether `identity` is in a group of ours (not one we were removed from). */
  inConversationWith(identity: Uint8Array): boolean {
    return this.all().some((group) => !group.meta.removed && this.isMember(group, identity))
  }

  /** Runs `work` after every earlier operation queued under `key` (a group id, or another name). */
  serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve()
    const next = previous.then(work, work)
    this.queues.set(
      key,
      next.catch(() => undefined)
    )
    return next
  }

  /** Runs `work` on the newest version of group `id`, after every earlier operation on it. */
  update<T>(id: string, work: (group: Group) => Promise<T>): Promise<T> {
    return this.serial(id, () => {
      const group = this.groups.get(id)
      if (group === undefined) throw new GroupCommandError(`no group named ${id}`)
      return work(group)
    })
  }

  /**
   * Stores `group` (with `write`, when other records go in the same write) and makes it the current version.
   * A group known already takes its new version before the write: the state it replaces may have had its used
   * secrets wiped. A new one is known once stored.
   */
  async save(
    group: Group,
    write: (meta: GroupMeta, state: Uint8Array) => Promise<void> = (meta, state) =>
      this.store.putGroup(meta, state)
  ): Promise<void> {
    if (this.groups.has(group.meta.id)) this.groups.set(group.meta.id, group)
    await write(group.meta, encodeState(group.state))
    this.groups.set(group.meta.id, group)
  }

  /** Makes `group` the current version without storing it: the next write of the group stores it. */
  hold(group: Group): void {
    this.groups.set(group.meta.id, group)
  }

  async forget(id: string): Promise<void> {
    this.groups.delete(id)
    await this.store.deleteGroup(id)
  }

  /** A group with this user alone, its committer, not stored yet. */
  async newGroup(name: string, direct: boolean, suite: CiphersuiteName): Promise<Group> {
    const id = this.random(GROUP_ID_BYTES)
    const client = await this.clientFor(suite)
    const bundle = await client.createKeyPackage()
    const meta: GroupMeta = { id: toHex(id), name, direct, committer: this.self, removed: false }
    return { meta, state: await client.createGroup(id, bundle) }
  }

  /** Encrypts `content` with a fresh receipt seed, from `state`; the caller keeps the new state. */
  async encrypt(
    group: Group,
    state: ClientState,
    content: Partial<GroupContent>
  ): Promise<{ message: Uint8Array; seed: Uint8Array; state: ClientState }> {
    const seed = this.random(RECEIPT_SEED_BYTES)
    const sent = await (
      await this.clientOf(group)
    ).encrypt(state, GroupContent.encode({ ...content, receiptSeed: seed }))
    return { message: sent.message, seed, state: sent.state }
  }

  /** A text to every other member of group `id`. */
  sendText(id: string, text: string, now: number, priority: Priority): Promise<Outgoing[]> {
    return this.update(id, async (group) => {
      this.assertMember(group)
      const { message, seed, state } = await this.encrypt(group, group.state, {
        kind: GroupContent.Kind.TEXT,
        text,
        sentAt: BigInt(now)
      })
      const payload = encodeMlsPayload({ messages: [message] })
      // Encrypting wiped the message key it used from the old state: the group goes on from the new one even
      // when the payload is refused (its members see a skipped generation).
      await this.save({ ...group, state })
      this.assertFits(payload.length)
      return members(state)
        .filter((member) => toHex(member) !== this.self)
        .map((member) => ({
          recipientKey: member,
          payload,
          receiptSecret: receiptSecret(seed, member),
          priority
        }))
    })
  }

  /** Refuses a payload over the envelope limit (of a new group: before the state that made it is kept). */
  fitting(payload: Uint8Array): Uint8Array {
    this.assertFits(payload.length)
    return payload
  }

  assertFits(bytes: number): void {
    if (bytes > this.maxPayloadBytes) {
      throw new OversizeEnvelopeError(
        `the message is ${bytes} bytes encrypted, over the limit of ${this.maxPayloadBytes} ` +
          '(envelope.max_payload_bytes)'
      )
    }
  }

  /** Whether this member commits the group's changes itself, rather than proposing them. */
  isCommitter(group: Group): boolean {
    return group.meta.committer === this.self
  }

  isMember(group: Group, identity: Uint8Array): boolean {
    const wanted = toHex(identity)
    return members(group.state).some((member) => toHex(member) === wanted)
  }

  assertMember(group: Group): void {
    if (group.meta.removed) throw new GroupCommandError(`you are no longer a member of ${group.meta.name}`)
  }

  summary({ meta, state }: Group): GroupSummary {
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
