import type { MLSMessage } from 'ts-mls'
import { decodeMessage, members } from './client.ts'
import { MlsRejectedError } from './errors.ts'
import type { Governance } from './governance.ts'
import type { Group, GroupBook } from './groups.ts'
import type { KeyPackageStock } from './key-packages.ts'
import type { MlsLimits } from './limits.ts'
import { inboxId, receiptSecret } from './outgoing.ts'
import type { Outgoing } from './outgoing.ts'
import { GroupContent, MlsPayload } from './payload.pb.ts'
import type { QuotaTally } from './quota.ts'
import type { GroupMeta, PendingMessage } from './store.ts'
import type { Strangers } from './strangers.ts'
import { peerDecoder, toHex } from '../wire/index.ts'
import { logger } from '../log/index.ts'

const log = logger('qpq:mls')
const payloads = peerDecoder('MlsPayload', MlsPayload)
const groupContents = peerDecoder('GroupContent', GroupContent)

/** Epochs opened by kept commits in one go, at most. */
const MAX_DRAIN_ROUNDS = 64

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

interface DecodedMessage {
  bytes: Uint8Array
  message: MLSMessage
}

/**
 * What arrives for this user's groups, read in a delay-tolerant way:
 * - A message for an epoch this member has not reached yet (or for a group whose Welcome has not come) is kept,
 *   within the pending quota, until the commit that opens its epoch is read; the kept messages of each epoch
 *   are read then, oldest epoch first.
 * - ts-mls keeps the receiver secrets of the last RETAINED_EPOCHS epochs, so late messages of recent epochs
 *   are read; older ones are refused (forward secrecy). A message key is used once, so a replay is refused.
 * - Commits are taken from the group's committer only.
 */
export class Receiver {
  constructor(
    private readonly book: GroupBook,
    private readonly stock: KeyPackageStock,
    private readonly governance: Governance,
    private readonly strangers: Strangers,
    private readonly limits: MlsLimits,
    private readonly tally: QuotaTally
  ) {}

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
    return this.book.serial(groupId, async () => {
      if (payload.welcome.length > 0) await this.join(decodeMessage(payload.welcome), groupId, now)
      const group = this.book.get(groupId)
      if (group === undefined || epochOf(first) > group.state.groupContext.epoch) {
        // Its Welcome, or the commit that opens its epoch, has not arrived yet.
        const pending = { envelopeId, epoch: epochOf(first), messages: payload.messages }
        const keep = () => this.book.serial(groupId, () => this.keepPending(groupId, pending, now))
        return { texts: [], late: [], outgoing: [], keep }
      }
      const read = await this.read(group, envelopeId, messages)
      const drained = await this.drain(read.group)
      const followUp = await this.governance.followUp(drained.group, now)
      if (followUp.group !== drained.group) await this.book.save(followUp.group)
      return {
        receiptSecret: read.receiptSecret,
        texts: [...read.texts, ...drained.texts],
        late: drained.late,
        outgoing: followUp.outgoing
      }
    })
  }

  /** Keeps a message for its epoch within the pending quota. */
  private async keepPending(groupId: string, pending: PendingMessage, now: number): Promise<void> {
    const { kept, evicted } = await this.book.store.putPending(groupId, pending, {
      perGroup: this.limits.maxPendingBytesPerGroup,
      total: this.limits.maxPendingBytes
    })
    if (evicted > 0) this.tally.hit('pending evicted', now, evicted)
    if (kept) log('kept a message of group %x for epoch %d', groupId, pending.epoch)
    else this.tally.hit('pending refused', now)
  }

  /** Joins from a Welcome, unless already a member (a removed member may be added again). */
  private async join(welcome: MLSMessage, groupId: string, now: number): Promise<void> {
    const existing = this.book.get(groupId)
    if (existing !== undefined && !existing.meta.removed) return
    if (welcome.wireformat !== 'mls_welcome') throw new MlsRejectedError('not a Welcome')
    const client = await this.book.clientFor(welcome.welcome.cipherSuite)
    const joined = await client.join(welcome, (ref) => this.stock.bundle(ref))
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
    const used = this.stock.markUsed(toHex(joined.used.ref), now)
    await this.book.save({ meta, state: joined.state }, (stored, state) =>
      this.book.store.joinGroup(stored, state, used)
    )
    if (used !== undefined) await this.stock.refill()
    log('joined group %x', id)
  }

  /**
   * Reads one envelope's messages in order and stores the group; the receipt comes from the last readable
   * content. When a message is refused, the group goes on from the state the messages before it left (each
   * step wiped the secrets it used from the state it replaced), not stored until its next write.
   */
  private async read(
    group: Group,
    envelopeId: string,
    messages: DecodedMessage[]
  ): Promise<{ group: Group; receiptSecret?: Uint8Array; texts: GroupText[] }> {
    const texts: GroupText[] = []
    let secret: Uint8Array | undefined
    const client = await this.book.clientOf(group)
    let current = group
    try {
      for (const { bytes, message } of messages) {
        if (current.meta.removed) break
        const committer = current.meta.committer
        const received = await client.receive(current.state, message, (sender) => toHex(sender) === committer)
        current = { ...current, state: received.state }
        if (received.kind === 'commit') {
          if (received.state.groupActiveState.kind !== 'active') {
            current = { ...current, meta: { ...current.meta, removed: true } }
            secret = receiptSecret(bytes, this.book.identity.publicKey)
          }
          continue
        }
        let content: GroupContent
        try {
          content = groupContents.decode(received.plaintext)
        } catch {
          throw new MlsRejectedError('group content does not decode')
        }
        secret = receiptSecret(content.receiptSeed, this.book.identity.publicKey)
        if (content.groupName !== '' && toHex(received.sender) === current.meta.committer)
          current = { ...current, meta: { ...current.meta, name: content.groupName, direct: content.direct } }
        if (content.kind === GroupContent.Kind.PROPOSALS)
          current = await this.governance.proposalsFrom(current, received.sender, content)
        if (content.kind === GroupContent.Kind.TEXT) {
          texts.push({
            id: content.messageId.length > 0 ? inboxId(received.sender, content.messageId) : envelopeId,
            groupId: current.meta.id,
            group: current.meta.name,
            direct: current.meta.direct,
            from: received.sender,
            text: content.text,
            sentAt: Number(content.sentAt)
          })
        }
      }
    } catch (err) {
      this.book.hold(current)
      throw err
    }
    if (current.meta.unanswered !== undefined) {
      // Only its other member writes to us in it, so they took the Welcome.
      current = { ...current, meta: { ...current.meta, unanswered: undefined } }
      this.strangers.answered(current.meta.id)
    }
    await this.book.save(current)
    return { group: current, receiptSecret: secret, texts }
  }

  /** Reads kept messages whose epoch has now arrived; the receipts of their envelopes are due now. */
  private async drain(group: Group): Promise<Pick<Received, 'texts' | 'late'> & { group: Group }> {
    const texts: GroupText[] = []
    const late: Received['late'] = []
    let current = group
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const pending = await this.book.store.takePending(current.meta.id, current.state.groupContext.epoch)
      if (pending.length === 0) break
      for (const kept of pending) {
        try {
          const read = await this.read(current, kept.envelopeId, decodeAll(kept.messages))
          current = read.group
          texts.push(...read.texts)
          if (read.receiptSecret !== undefined)
            late.push({ envelopeId: kept.envelopeId, receiptSecret: read.receiptSecret })
        } catch (err) {
          current = this.book.get(current.meta.id) ?? current
          log.error('a kept message of group %x does not read: %s', current.meta.id, (err as Error).message)
        }
      }
    }
    return { group: current, texts, late }
  }
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
