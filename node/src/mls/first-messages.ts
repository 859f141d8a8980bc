import type { KeyPackage } from 'ts-mls'
import { encodeAddress } from '../identity/index.ts'
import { FirstText } from '../e2e/index.ts'
import { credentialIdentity } from './client.ts'
import { MlsRejectedError } from './errors.ts'
import type { Governance } from './governance.ts'
import type { Group, GroupBook } from './groups.ts'
import type { KeyPackageStock } from './key-packages.ts'
import { encodeMlsPayload, inboxId, receiptSecret } from './outgoing.ts'
import type { Outgoing } from './outgoing.ts'
import { GroupContent } from './payload.pb.ts'
import type { Strangers } from './strangers.ts'
import { toHex } from '../wire/index.ts'
import type { Priority } from '../wire/index.ts'

const MESSAGE_ID_BYTES = 32
/**
 * Bytes an MLS payload adds to a text kept for a key package: the Welcome and the framing of its first
 * message (a Welcome to one person in a 1:1 group is about 1 KiB in every supported suite; X-Wing's is the
 * largest).
 */
export const FIRST_MESSAGE_OVERHEAD = 4096

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

/** What `sendDirect` did with a text. */
export type DirectSent =
  /** Encrypted in the 1:1 group (a new one when a key package was given): the envelopes to queue. */
  | { outgoing: Outgoing[] }
  /** Kept on disk until the person's key package arrives; `request` says to ask for one. */
  | { queued: { id: string; request: boolean } }
  /** To seal to the person's identity key: `body` is a FirstText carrying a key package of ours. */
  | { sealed: { id: string; body: Uint8Array } }

/**
 * Texts to people with no 1:1 group yet (see `docs/first-message.md`): a group started from their key package
 * (an invite, one known in reach, or the answer to a request), a text sealed to their identity key with a key
 * package of ours, or a text kept until their key package arrives; and, on our side, the group a sealed first
 * text asks for, within the stranger quotas.
 */
export class FirstMessages {
  constructor(
    private readonly book: GroupBook,
    private readonly stock: KeyPackageStock,
    private readonly governance: Governance,
    private readonly strangers: Strangers
  ) {}

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
    return this.book.serial(`first:${toHex(recipientKey)}`, async () => {
      const existing = this.book.directGroup(recipientKey)
      if (existing !== undefined)
        return { outgoing: await this.book.sendText(existing.meta.id, text, now, priority) }
      if (keyPackage !== undefined) {
        const group = await this.book.newGroup(encodeAddress(recipientKey), true, keyPackage.cipherSuite)
        const refs = await this.governance.unusedRefs(group, [keyPackage])
        const outgoing = await this.startDirect(group, keyPackage, [{ text, sentAt: now, priority }], [], now)
        await this.governance.markUsed(refs, group.meta.id, now)
        return { outgoing }
      }
      const messageId = this.book.random(MESSAGE_ID_BYTES)
      const id = inboxId(this.book.identity.publicKey, messageId)
      if (sealed) {
        const body = FirstText.encode({ text, messageId, keyPackage: await this.stock.handOut() })
        return { sealed: { id, body } }
      }
      this.book.assertFits(Buffer.byteLength(text) + FIRST_MESSAGE_OVERHEAD)
      const waiting = await this.book.store.firstMessages(toHex(recipientKey))
      await this.book.store.putFirst(toHex(recipientKey), {
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
    const stranger = await this.strangers.isStranger(sender)
    if (stranger && !this.strangers.mayServe('stranger text unanswered', now)) return []
    const outgoing = await this.sendFirsts(sender, keyPackage, now, { stranger })
    await this.strangers.evict(now)
    return outgoing
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
    for (const groupId of await this.book.store.takePendingAdds(toHex(identity))) {
      const group = this.book.get(groupId)
      if (group === undefined || group.meta.removed || this.book.isMember(group, identity)) continue
      outgoing.push(...(await this.governance.add(groupId, [keyPackage], now)))
      used = true
    }
    outgoing.push(...(await this.sendFirsts(identity, used ? undefined : keyPackage, now)))
    const requestAgain = (await this.book.store.firstMessages(toHex(identity))).length > 0
    return { outgoing, requestAgain }
  }

  /**
   * An invite for `requester`, who asked for a key package; undefined when they are a stranger over the
   * hourly quota (the request stays unanswered).
   */
  async inviteFor(requester: Uint8Array, now: number): Promise<string | undefined> {
    if (
      (await this.strangers.isStranger(requester)) &&
      !this.strangers.mayServe('stranger request unanswered', now)
    )
      return undefined
    return this.stock.invite()
  }

  /**
   * The people first messages wait for, with the envelope that last asked them for a key package (to ask again
   * after a restart unless that one still waits in the outbox).
   */
  async waitingRecipients(): Promise<{ recipient: Uint8Array; request?: string }[]> {
    const recipients = new Set((await this.book.store.firstMessages()).map(({ recipient }) => recipient))
    return Promise.all(
      [...recipients].map(async (recipient) => ({
        recipient: new Uint8Array(Buffer.from(recipient, 'hex')),
        request: await this.book.store.request(recipient)
      }))
    )
  }

  /** Remembers the envelope that asked `recipient` for a key package. */
  requestSent(recipient: Uint8Array, envelopeId: string): Promise<void> {
    return this.book.store.putRequest(toHex(recipient), envelopeId)
  }

  /** First messages waiting for their recipient's key package, oldest first. */
  async waiting(): Promise<WaitingFirstMessage[]> {
    return (await this.book.store.firstMessages()).map(({ recipient, message }) => ({
      id: inboxId(this.book.identity.publicKey, Buffer.from(message.messageId, 'hex')),
      recipient: new Uint8Array(Buffer.from(recipient, 'hex')),
      priority: message.priority,
      sentAt: message.sentAt
    }))
  }

  /** Discards waiting first messages: those with the given ids, or all. Returns how many. */
  async discard(ids?: string[]): Promise<number> {
    const wanted = ids === undefined ? undefined : new Set(ids)
    const keys = (await this.book.store.firstMessages())
      .filter(({ message }) => {
        const id = inboxId(this.book.identity.publicKey, Buffer.from(message.messageId, 'hex'))
        return wanted === undefined || wanted.has(id)
      })
      .map(({ key }) => key)
    if (keys.length > 0) await this.book.store.deleteFirsts(keys)
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
    return this.book.serial(`first:${toHex(recipientKey)}`, async () => {
      const firsts = await this.book.store.firstMessages(toHex(recipientKey))
      const texts = firsts.map(({ message }) => ({
        ...message,
        messageId: new Uint8Array(Buffer.from(message.messageId, 'hex'))
      }))
      const keys = firsts.map(({ key }) => key)
      const existing = this.book.directGroup(recipientKey)
      if (existing !== undefined)
        return firsts.length === 0
          ? []
          : this.book.update(existing.meta.id, (group) =>
              this.sendTexts(group, recipientKey, undefined, texts, keys, now)
            )
      if (keyPackage === undefined || (firsts.length === 0 && start === undefined)) return []
      const fresh = await this.book.newGroup(encodeAddress(recipientKey), true, keyPackage.cipherSuite)
      const unanswered = start?.stranger === true && firsts.length === 0
      const group = unanswered ? { ...fresh, meta: { ...fresh.meta, unanswered: now } } : fresh
      const outgoing = await this.startDirect(group, keyPackage, texts, keys, now)
      if (unanswered) this.strangers.started(group.meta.id, now)
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
    return this.book.serial(group.meta.id, async () => {
      const { state, welcome } = await (await this.book.clientOf(group)).add(group.state, [keyPackage])
      const recipientKey = credentialIdentity(keyPackage.leafNode.credential)
      return this.sendTexts({ ...group, state }, recipientKey, welcome, texts, firstKeys, now)
    })
  }

  /**
   * Encrypts texts for the other member of a 1:1 group, one envelope each (the first with `welcome`, and with
   * the group's name), and stores the group, forgetting the kept first messages `firstKeys` in the same write.
   * A payload over the envelope limit refuses the whole and keeps nothing.
   */
  private async sendTexts(
    group: Group,
    recipientKey: Uint8Array,
    welcome: Uint8Array | undefined,
    texts: DirectText[],
    firstKeys: string[],
    now: number
  ): Promise<Outgoing[]> {
    const naming = { groupName: encodeAddress(this.book.identity.publicKey), direct: true }
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
      const sent = await this.book.encrypt(group, state, joining ? { ...content, ...naming } : content)
      state = sent.state
      out.push({
        recipientKey,
        payload: this.book.fitting(
          encodeMlsPayload(joining ? { welcome, messages: [sent.message] } : { messages: [sent.message] })
        ),
        receiptSecret: receiptSecret(sent.seed, recipientKey),
        priority: joining ? 'critical' : (texts[i]?.priority ?? 'critical')
      })
    }
    await this.book.save({ ...group, state }, (meta, encoded) =>
      this.book.store.putGroupTakingFirsts(meta, encoded, firstKeys)
    )
    return out
  }
}
