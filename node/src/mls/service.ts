import { randomBytes } from 'node:crypto'
import type { CiphersuiteName, KeyPackage } from 'ts-mls'
import { MlsClient } from './client.ts'
import type { MlsIdentity } from './client.ts'
import { FirstMessages } from './first-messages.ts'
import type { DirectSent, WaitingFirstMessage } from './first-messages.ts'
import { Governance } from './governance.ts'
import { GroupBook } from './groups.ts'
import type { GroupSummary, Random } from './groups.ts'
import { KeyPackageStock } from './key-packages.ts'
import { DEFAULT_MLS_LIMITS } from './limits.ts'
import type { MlsLimits, MlsQuotaReason } from './limits.ts'
import type { Outgoing } from './outgoing.ts'
import { QuotaTally } from './quota.ts'
import { Receiver } from './receive.ts'
import type { Received } from './receive.ts'
import { MlsStore } from './store.ts'
import { Strangers } from './strangers.ts'
import { ciphersuite } from './suite.ts'
import type { Priority } from '../wire/index.ts'
import { logger } from '../log/index.ts'

/** What strangers and unknown groups made this user keep, and what the quotas refused or evicted. */
export interface MlsStats {
  pendingMessages: number
  pendingBytes: number
  /** 1:1 groups started from strangers' first texts, not answered yet. */
  unansweredStrangers: number
  quota: Partial<Record<MlsQuotaReason, number>>
}

export interface MlsServiceOptions {
  /**
   * The ciphersuite of the groups it creates and of its key packages.
   * @default MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
   */
  suite?: CiphersuiteName
  /**
   * The largest payload an envelope may carry: a text that would exceed it is refused before any group state
   * changes.
   * @default no limit
   */
  maxPayloadBytes?: number
  /** Missing ones take {@link DEFAULT_MLS_LIMITS}'s values. */
  limits?: Partial<MlsLimits>
  /**
   * Where group ids, message ids and receipt seeds come from.
   * @default node:crypto's randomBytes
   */
  random?: Random
}

const systemRandom: Random = (bytes) => new Uint8Array(randomBytes(bytes))

/**
 * This user's MLS conversations, one object for the daemon over the parts that do the work, which share one
 * {@link GroupBook}: the key-package stock (`key-packages.ts`), group governance (`governance.ts`), first
 * messages to people with no group yet (`first-messages.ts`), the stranger quotas (`strangers.ts`) and the
 * delay-tolerant reading of what arrives (`receive.ts`). Every operation on a group runs alone (one queue per
 * group), and its state is stored before anything it produced leaves the node.
 */
export class MlsService {
  private readonly tally = new QuotaTally(logger('qpq:mls'))
  private readonly strangers: Strangers
  private readonly governance: Governance
  private readonly firsts: FirstMessages
  private readonly receiver: Receiver

  private constructor(
    private readonly book: GroupBook,
    private readonly stock: KeyPackageStock,
    limits: MlsLimits
  ) {
    this.strangers = new Strangers(book, limits, this.tally)
    this.governance = new Governance(book)
    this.firsts = new FirstMessages(book, stock, this.governance, this.strangers)
    this.receiver = new Receiver(book, stock, this.governance, this.strangers, limits, this.tally)
  }

  static async open(
    path: string,
    identity: MlsIdentity,
    options: MlsServiceOptions = {}
  ): Promise<MlsService> {
    const store = new MlsStore(path)
    await store.open()
    const client = new MlsClient(identity, await ciphersuite(options.suite))
    const book = new GroupBook(
      identity,
      client,
      store,
      options.random ?? systemRandom,
      options.maxPayloadBytes ?? Number.POSITIVE_INFINITY
    )
    const stock = new KeyPackageStock(identity, client, store)
    const service = new MlsService(book, stock, { ...DEFAULT_MLS_LIMITS, ...options.limits })
    await book.load()
    service.strangers.load()
    await stock.load(Date.now())
    return service
  }

  /** The ciphersuite of new groups and key packages. */
  get suite(): CiphersuiteName {
    return this.book.client.suite.name
  }

  close(): Promise<void> {
    return this.book.store.close()
  }

  get stats(): MlsStats {
    const { messages, bytes } = this.book.store.pendingCounts
    return {
      pendingMessages: messages,
      pendingBytes: bytes,
      unansweredStrangers: this.strangers.unansweredCount,
      quota: { ...this.tally.counts }
    }
  }

  // Key packages

  invite(): Promise<string> {
    return this.stock.invite()
  }

  announcedKeyPackages(): Uint8Array[] {
    return this.stock.announced()
  }

  keyPackageUsed(keyPackage: KeyPackage): Promise<boolean> {
    return this.governance.keyPackageUsed(keyPackage)
  }

  // Groups

  createGroup(name: string): Promise<GroupSummary> {
    return this.governance.createGroup(name)
  }

  add(nameOrId: string, keyPackages: KeyPackage[], now: number): Promise<Outgoing[]> {
    return this.governance.add(nameOrId, keyPackages, now)
  }

  remove(nameOrId: string, identities: Uint8Array[], now: number): Promise<Outgoing[]> {
    return this.governance.remove(nameOrId, identities, now)
  }

  requestAdd(nameOrId: string, identity: Uint8Array): Promise<void> {
    return this.governance.requestAdd(nameOrId, identity)
  }

  commits(nameOrId: string): boolean {
    return this.governance.commits(nameOrId)
  }

  /** A text to every other member of the group. */
  send(nameOrId: string, text: string, now: number): Promise<Outgoing[]> {
    return this.book.sendText(this.book.find(nameOrId).meta.id, text, now, 'normal')
  }

  list(): GroupSummary[] {
    return this.book.all().map((group) => this.book.summary(group))
  }

  info(nameOrId: string): GroupSummary {
    return this.book.summary(this.book.find(nameOrId))
  }

  inConversationWith(identity: Uint8Array): boolean {
    return this.book.inConversationWith(identity)
  }

  // First messages

  sendDirect(
    recipientKey: Uint8Array,
    text: string,
    now: number,
    priority: Priority,
    keyPackage?: KeyPackage,
    sealed = false
  ): Promise<DirectSent> {
    return this.firsts.sendDirect(recipientKey, text, now, priority, keyPackage, sealed)
  }

  firstTextArrived(sender: Uint8Array, keyPackage: KeyPackage, now: number): Promise<Outgoing[]> {
    return this.firsts.firstTextArrived(sender, keyPackage, now)
  }

  keyPackageArrived(
    identity: Uint8Array,
    keyPackage: KeyPackage,
    now: number
  ): Promise<{ outgoing: Outgoing[]; requestAgain: boolean }> {
    return this.firsts.keyPackageArrived(identity, keyPackage, now)
  }

  inviteFor(requester: Uint8Array, now: number): Promise<string | undefined> {
    return this.firsts.inviteFor(requester, now)
  }

  waitingRecipients(): Promise<{ recipient: Uint8Array; request?: string }[]> {
    return this.firsts.waitingRecipients()
  }

  requestSent(recipient: Uint8Array, envelopeId: string): Promise<void> {
    return this.firsts.requestSent(recipient, envelopeId)
  }

  waitingFirstMessages(): Promise<WaitingFirstMessage[]> {
    return this.firsts.waiting()
  }

  discardFirstMessages(ids?: string[]): Promise<number> {
    return this.firsts.discard(ids)
  }

  // Receiving

  receive(envelopeId: string, bytes: Uint8Array, now: number): Promise<Received> {
    return this.receiver.receive(envelopeId, bytes, now)
  }

  resume(now: number): Promise<Outgoing[]> {
    return this.governance.resume(now)
  }
}
