import type { ClientState, KeyPackage, Proposal } from 'ts-mls'
import { encodeAddress } from '../identity/index.ts'
import {
  credentialIdentity,
  decodeKeyPackage,
  decodeMessage,
  encodeKeyPackage,
  members,
  removeProposals
} from './client.ts'
import { GroupCommandError } from './errors.ts'
import type { Group, GroupBook, GroupSummary, Step } from './groups.ts'
import { encodeMlsPayload, receiptSecret } from './outgoing.ts'
import type { Outgoing } from './outgoing.ts'
import { GroupContent } from './payload.pb.ts'
import { applied, describeIntent, proposalRefusal, sameChange } from './proposals.ts'
import type { Intent } from './proposals.ts'
import { b64, fromB64 } from './store.ts'
import { toHex } from '../wire/index.ts'
import { logger } from '../log/index.ts'

const log = logger('qpq:mls')

/**
 * Who changes a group's membership, and how, without a server:
 * - One committer per group: its creator. Commits from anyone else are refused (see `receive.ts`), so two
 *   commits can never compete for an epoch and partitioned members cannot split the group.
 * - Other members propose: an Add or Remove proposal (a PublicMessage signed by its author, encrypted inside an
 *   application message) goes to the committer alone. The committer takes proposals of its current epoch from
 *   members (and refuses the rest, see {@link proposalRefusal}) and commits them at once, by reference; the
 *   commit travels after an application message of the committer that carries the proposals, so every member
 *   can resolve the references. A proposal of a past epoch is dropped by the committer; its author, on
 *   reading the commit that opened a new epoch, proposes again what is still to do and forgets what the group
 *   already is (the person in, or out).
 */
export class Governance {
  constructor(private readonly book: GroupBook) {}

  async createGroup(name: string): Promise<GroupSummary> {
    if (this.book.all().some((group) => group.meta.name === name && !group.meta.removed)) {
      throw new GroupCommandError(`a group named ${name} exists already`)
    }
    const group = await this.book.newGroup(name, false, this.book.client.suite.name)
    await this.book.save(group)
    return this.book.summary(group)
  }

  /**
   * Adds the owners of `keyPackages`. The committer commits: a Welcome for each of them, the commit for the
   * members already in. Another member proposes the adds to the committer ({@link commits} tells which).
   */
  add(nameOrId: string, keyPackages: KeyPackage[], now: number): Promise<Outgoing[]> {
    return this.book.update(this.book.find(nameOrId).meta.id, async (group) => {
      this.book.assertMember(group)
      for (const keyPackage of keyPackages) {
        const identity = credentialIdentity(keyPackage.leafNode.credential)
        if (this.book.isMember(group, identity))
          throw new GroupCommandError(`${encodeAddress(identity)} is a member of ${group.meta.name} already`)
      }
      const refs = await this.unusedRefs(group, keyPackages)
      const { group: next, outgoing } = await this.addOrPropose(group, keyPackages, now)
      await this.book.save(next)
      await this.markUsed(refs, group.meta.id, now)
      return outgoing
    })
  }

  /** Removes members: the committer commits, another member proposes (see {@link add}). */
  remove(nameOrId: string, identities: Uint8Array[], now: number): Promise<Outgoing[]> {
    return this.book.update(this.book.find(nameOrId).meta.id, async (group) => {
      this.book.assertMember(group)
      for (const identity of identities) {
        if (toHex(identity) === group.meta.committer)
          throw new GroupCommandError(`the committer cannot be removed from ${group.meta.name}`)
        if (!this.book.isMember(group, identity))
          throw new GroupCommandError(`${encodeAddress(identity)} is not a member of ${group.meta.name}`)
      }
      let step: Step
      if (this.book.isCommitter(group)) {
        const { state, commit } = await (await this.book.clientOf(group)).remove(group.state, identities)
        step = await this.afterCommit(group, state, commit, undefined, now)
      } else {
        const epoch = Number(group.state.groupContext.epoch)
        const intents = identities.map((identity): Intent => ({
          kind: 'remove',
          identity: toHex(identity),
          epoch
        }))
        step = await this.propose(group, intents, now)
      }
      await this.book.save(step.group)
      return step.outgoing
    })
  }

  /** Whether this member commits the group's changes itself, rather than proposing them. */
  commits(nameOrId: string): boolean {
    return this.book.isCommitter(this.book.find(nameOrId))
  }

  /**
   * Remembers to add `identity` once its key package comes back from the request the caller sends over the
   * mesh; `keyPackageArrived` then commits or proposes the add.
   */
  async requestAdd(nameOrId: string, identity: Uint8Array): Promise<void> {
    const group = this.book.find(nameOrId)
    this.book.assertMember(group)
    await this.book.store.putPendingAdd(toHex(identity), group.meta.id)
  }

  /** Whether this user has put `keyPackage` into a group already. */
  async keyPackageUsed(keyPackage: KeyPackage): Promise<boolean> {
    const client = await this.book.clientFor(keyPackage.cipherSuite)
    return (await this.book.store.usedKeyPackage(toHex(await client.keyPackageRef(keyPackage)))) !== undefined
  }

  /**
   * The refs of key packages about to be used in `group`, refused when one was used before: a one-time key
   * package (an invite) opens one Welcome for its owner, so a second use would leave them out for good.
   */
  async unusedRefs(group: Group, keyPackages: KeyPackage[]): Promise<string[]> {
    const client = await this.book.clientOf(group)
    const refs: string[] = []
    for (const keyPackage of keyPackages) {
      const ref = toHex(await client.keyPackageRef(keyPackage))
      const used = await this.book.store.usedKeyPackage(ref)
      if (used !== undefined) {
        const where = this.book.get(used.group)?.meta.name ?? used.group.slice(0, 8)
        throw new GroupCommandError(
          `this invite of ${encodeAddress(credentialIdentity(keyPackage.leafNode.credential))} was used ` +
            `already (${new Date(used.usedAt).toISOString()}, group ${where}): ask them for a new one`
        )
      }
      refs.push(ref)
    }
    return refs
  }

  /** Remembers that the key packages `refs` went into group `groupId`. */
  markUsed(refs: string[], groupId: string, now: number): Promise<void> {
    return this.book.store.putUsedKeyPackages(refs, { group: groupId, usedAt: now })
  }

  private async addOrPropose(group: Group, keyPackages: KeyPackage[], now: number): Promise<Step> {
    if (!this.book.isCommitter(group)) {
      const epoch = Number(group.state.groupContext.epoch)
      const intents = keyPackages.map((keyPackage): Intent => ({
        kind: 'add',
        identity: toHex(credentialIdentity(keyPackage.leafNode.credential)),
        keyPackage: b64(encodeKeyPackage(keyPackage)),
        epoch
      }))
      return this.propose(group, intents, now)
    }
    const { state, commit, welcome } = await (await this.book.clientOf(group)).add(group.state, keyPackages)
    return this.afterCommit(group, state, commit, welcome, now)
  }

  /**
   * Sends `intents` to the committer as proposals of the current epoch, in one application message (whose
   * receipt seed the envelope's receipt uses), and records them as this member's proposals in the group.
   */
  private async propose(group: Group, intents: Intent[], now: number): Promise<Step> {
    const client = await this.book.clientOf(group)
    const wanted: Proposal[] = intents.flatMap((intent) =>
      intent.kind === 'add'
        ? client.addProposals([decodeKeyPackage(fromB64(intent.keyPackage))])
        : removeProposals(group.state, [Buffer.from(intent.identity, 'hex')])
    )
    const proposals: Uint8Array[] = []
    for (const proposal of wanted) proposals.push(await client.propose(group.state, proposal))
    const sent = await this.book.encrypt(group, group.state, {
      kind: GroupContent.Kind.PROPOSALS,
      proposals,
      sentAt: BigInt(now)
    })
    const epoch = Number(sent.state.groupContext.epoch)
    const others = (group.meta.proposed ?? []).filter(
      (old) => !intents.some((intent) => sameChange(old, intent))
    )
    const proposed = [...others, ...intents.map((intent) => ({ ...intent, epoch }))]
    log('proposed %s in group %x, epoch %d', intents.map(describeIntent).join(', '), group.meta.id, epoch)
    const committer = new Uint8Array(Buffer.from(group.meta.committer, 'hex'))
    return {
      group: { meta: { ...group.meta, proposed }, state: sent.state },
      outgoing: [
        {
          recipientKey: committer,
          payload: encodeMlsPayload({ messages: [sent.message] }),
          receiptSecret: receiptSecret(sent.seed, committer),
          priority: 'critical'
        }
      ]
    }
  }

  /**
   * Proposals in an application message. From the committer: those its next message, the commit, includes by
   * reference; every member keeps them. From another member, at the committer: taken for the next commit if
   * they are of the current epoch and acceptable, else dropped with the reason (a stale one is proposed again
   * by its author).
   */
  async proposalsFrom(group: Group, sender: Uint8Array, content: GroupContent): Promise<Group> {
    const client = await this.book.clientOf(group)
    const from = toHex(sender)
    if (from === group.meta.committer) {
      let state = group.state
      for (const bytes of content.proposals) state = await client.takeProposal(state, decodeMessage(bytes))
      return { ...group, state }
    }
    if (!this.book.isCommitter(group)) {
      log(
        'ignored proposals for the committer of group %x sent to me by %x',
        group.meta.id,
        encodeAddress(sender)
      )
      return group
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
    return { ...group, meta: { ...group.meta, proposals: taken.map(b64) } }
  }

  /**
   * What reading a group's messages calls for: the committer commits proposals it took, authors re-propose.
   * Returns `group` itself when nothing changed.
   */
  async followUp(group: Group, now: number): Promise<Step> {
    if (!this.book.isCommitter(group) || (group.meta.proposals ?? []).length === 0)
      return this.reconsider(group, now)
    let spent = group
    try {
      const carrier = await this.carry(group, now)
      // The carrier used up a message key: the group goes on from its state even if the commit fails.
      spent = carrier.group
      return await this.commitCarried(carrier.group, carrier.message, now)
    } catch (err) {
      // Their authors propose again when they see the next epoch.
      log.error('could not commit the proposals of group %x: %s', group.meta.id, (err as Error).message)
      return { group: { ...spent, meta: { ...spent.meta, proposals: undefined } }, outgoing: [] }
    }
  }

  /**
   * Finishes what a restart may have cut short, to be sent like what `receive` returns: the committer commits
   * the proposals it took; another member sends again its proposals of the current epoch, in case the first
   * envelope never reached the outbox (when both arrive, the committer drops the second as stale).
   */
  async resume(now: number): Promise<Outgoing[]> {
    const outgoing: Outgoing[] = []
    for (const { meta } of this.book.all()) {
      const sent = await this.book.serial(meta.id, async () => {
        const group = this.book.get(meta.id)
        if (group === undefined) return []
        const epoch = Number(group.state.groupContext.epoch)
        const current = (group.meta.proposed ?? []).filter((intent) => intent.epoch === epoch)
        const step =
          this.book.isCommitter(group) || group.meta.removed || current.length === 0
            ? await this.followUp(group, now)
            : await this.propose(group, current, now)
        if (step.group !== group) await this.book.save(step.group)
        return step.outgoing
      })
      outgoing.push(...sent)
    }
    return outgoing
  }

  /** At the committer: the application message carrying the members' proposals it took to every member. */
  private async carry(group: Group, now: number): Promise<{ group: Group; message: Uint8Array }> {
    const proposals = (group.meta.proposals ?? []).map(fromB64)
    const carrier = await (
      await this.book.clientOf(group)
    ).encrypt(
      group.state,
      GroupContent.encode({ kind: GroupContent.Kind.PROPOSALS, proposals, sentAt: BigInt(now) })
    )
    return { group: { ...group, state: carrier.state }, message: carrier.message }
  }

  /** At the committer: commits the proposals `group` carried, by reference, after `carrier`. */
  private async commitCarried(group: Group, carrier: Uint8Array, now: number): Promise<Step> {
    const client = await this.book.clientOf(group)
    const proposals = (group.meta.proposals ?? []).map(fromB64)
    let state = group.state
    for (const proposal of proposals) state = await client.takeProposal(state, decodeMessage(proposal))
    const { state: next, commit, welcome } = await client.commit(state, [])
    log('committing %d proposals in group %x', proposals.length, group.meta.id)
    return this.afterCommit(group, next, commit, welcome, now, carrier)
  }

  /**
   * At a proposal's author, once a commit opened a later epoch than the one it was proposed in: proposes again
   * what the group still lacks, forgets the rest.
   */
  private async reconsider(group: Group, now: number): Promise<Step> {
    const epoch = Number(group.state.groupContext.epoch)
    const proposed = group.meta.proposed ?? []
    const due = proposed.filter((intent) => intent.epoch < epoch || group.meta.removed)
    if (due.length === 0) return { group, outgoing: [] }
    const again = due.filter((intent) => !group.meta.removed && !applied(group.state, intent))
    for (const intent of due.filter((intent) => !again.includes(intent))) {
      log(
        'dropped my proposal to %s in group %x: %s',
        describeIntent(intent),
        group.meta.id,
        group.meta.removed ? 'I was removed' : 'the group is so already'
      )
    }
    const rest = {
      ...group,
      meta: { ...group.meta, proposed: proposed.filter((intent) => !due.includes(intent)) }
    }
    return again.length > 0 ? this.propose(rest, again, now) : { group: rest, outgoing: [] }
  }

  /**
   * `group` at the epoch `commit` opened (`state`), and what goes out: Welcome + META for new members, commit +
   * META for the others, commit alone for removed ones (so that they learn they are out). `carrier`, the
   * committer's application message with the proposals the commit includes by reference, goes before the commit.
   */
  private async afterCommit(
    group: Group,
    state: ClientState,
    commit: Uint8Array,
    welcome: Uint8Array | undefined,
    now: number,
    carrier?: Uint8Array
  ): Promise<Step> {
    const meta = await this.book.encrypt(group, state, {
      kind: GroupContent.Kind.META,
      groupName: group.meta.name,
      direct: group.meta.direct,
      sentAt: BigInt(now)
    })
    const before = members(group.state)
    const after = members(meta.state)
    const known = new Set(before.map(toHex))
    const staying = new Set(after.map(toHex))
    const out: Outgoing[] = []
    const carried = carrier === undefined ? [commit] : [carrier, commit]
    const existing = encodeMlsPayload({ messages: [...carried, meta.message] })
    const leaving = encodeMlsPayload({ messages: carried })
    for (const member of before) {
      if (toHex(member) === this.book.self) continue
      const stays = staying.has(toHex(member))
      const payload = stays ? existing : leaving
      // A removed member cannot read META, so its receipt is bound to the commit's bytes instead.
      const secret = stays ? receiptSecret(meta.seed, member) : receiptSecret(commit, member)
      out.push({ recipientKey: member, payload, receiptSecret: secret, priority: 'critical' })
    }
    if (welcome !== undefined) {
      const joining = encodeMlsPayload({ welcome, messages: [meta.message] })
      for (const member of after) {
        if (known.has(toHex(member))) continue
        out.push({
          recipientKey: member,
          payload: joining,
          receiptSecret: receiptSecret(meta.seed, member),
          priority: 'critical'
        })
      }
    }
    return { group: { meta: { ...group.meta, proposals: undefined }, state: meta.state }, outgoing: out }
  }
}
