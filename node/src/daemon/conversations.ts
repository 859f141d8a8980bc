import type { GroupChange, OutboxItem } from '../api/methods.ts'
import type { KeyPackageDirectory } from '../directory/index.ts'
import { logger } from '../log/index.ts'
import { decodeAddress, encodeAddress } from '../identity/index.ts'
import type { UserIdentity } from '../identity/index.ts'
import {
  credentialIdentity,
  decodeInvite,
  decodeKeyPackage,
  isInvite,
  MlsRejectedError,
  verifiedKeyPackage
} from '../mls/index.ts'
import type { GroupSummary, MlsService, Outgoing } from '../mls/index.ts'
import type { KeyPackage } from 'ts-mls'
import type { Priority } from '../wire/index.ts'
import { envelopeId } from '../wire/index.ts'
import type { SealedKind } from '../e2e/index.ts'
import { composeMlsEnvelopes, composeSealed } from './compose.ts'
import type { EnvelopeLimits } from './compose.ts'
import type { KeyPackageExchange } from './local-user.ts'
import { systemClock } from './clock.ts'
import type { EnvelopeQueue } from './outbox.ts'

const log = logger('qpq:daemon:conversations')

export interface ConversationsInit {
  /** The open MLS service; throws while the daemon is stopped. */
  mls: () => MlsService
  /** The key-package directory; `undefined` when it is off. */
  directory: () => KeyPackageDirectory | undefined
  /** This node's user; throws while the daemon is stopped. */
  user: () => UserIdentity
  outbox: EnvelopeQueue
  envelope: { ttl: number; maxPayloadBytes: number }
  /** `mls.sealed_first_message`: a first text to someone without a group leaves at once, sealed. */
  sealedFirstMessage: boolean
}

/**
 * Conversations over MLS: texts to one person and to groups, the key-package exchange that starts them, and
 * the envelopes all that puts in the outbox.
 */
export class Conversations {
  constructor(private readonly init: ConversationsInit) {}

  private get mls(): MlsService {
    return this.init.mls()
  }

  private limits(): EnvelopeLimits {
    const { envelope } = this.init
    return { now: systemClock.now(), ttl: envelope.ttl, maxPayloadBytes: envelope.maxPayloadBytes }
  }

  /** Queues the MLS layer's payloads as envelopes; the id of the first is the message's id. */
  async submitMls(outgoing: Outgoing[]): Promise<{ ids: string[] }> {
    const envelopes = composeMlsEnvelopes(outgoing, this.limits())
    await this.init.outbox.submit(envelopes)
    return { ids: envelopes.map(({ content }) => envelopeId(content)) }
  }

  /**
   * A text to one person over MLS: in the 1:1 group with them, or, given an invite, in a new one whose Welcome
   * travels with the text. To an address with neither, under `mls.sealed_first_message` the text leaves at
   * once sealed to the person's identity key with a key package of ours (their Welcome starts the group);
   * otherwise it is kept on disk (the id is printed once it is there) and a key-package request goes out,
   * whose answer starts the group and sends what was kept.
   */
  async sendDirect(to: string, text: string, priority: Priority): Promise<{ id: string }> {
    const invite = isInvite(to) ? decodeInvite(to) : undefined
    const recipientKey =
      invite === undefined ? decodeAddress(to) : credentialIdentity(invite.leafNode.credential)
    const keyPackage = invite ?? (await this.knownKeyPackage(recipientKey))
    const sent = await this.mls.sendDirect(
      recipientKey,
      text,
      systemClock.now(),
      priority,
      keyPackage,
      this.init.sealedFirstMessage
    )
    if ('queued' in sent) {
      if (sent.queued.request) await this.requestKeyPackage(recipientKey)
      return { id: sent.queued.id }
    }
    if ('sealed' in sent) {
      await this.submitSealed(recipientKey, 'first-text', sent.sealed.body, priority)
      return { id: sent.sealed.id }
    }
    const { ids } = await this.submitMls(sent.outgoing)
    return { id: ids[0] ?? '' }
  }

  /** A key package of `identity` that the key-package directory holds and this user has not used yet. */
  private async knownKeyPackage(identity: Uint8Array): Promise<KeyPackage | undefined> {
    const known = this.init.directory()?.lookup(identity, systemClock.now())
    if (known === undefined) return undefined
    const keyPackage = decodeKeyPackage(known)
    return (await this.mls.keyPackageUsed(keyPackage)) ? undefined : keyPackage
  }

  /** Asks a person for a key package over the mesh (a sealed request), remembering the envelope's id. */
  async requestKeyPackage(to: Uint8Array): Promise<string> {
    const id = await this.submitSealed(to, 'key-package-request', new Uint8Array(), 'critical')
    await this.mls.requestSent(to, id)
    return id
  }

  /** Asks again for the key packages first messages wait for, unless the request is still in the outbox. */
  async requestWaitingKeyPackages(): Promise<void> {
    for (const { recipient, request } of await this.mls.waitingRecipients()) {
      if (request === undefined || !(await this.init.outbox.queued(request)))
        await this.requestKeyPackage(recipient)
    }
  }

  /**
   * Queues a sealed envelope: a message of the key-package exchange (critical: nothing else moves until it
   * arrives) or a first text. The sealed payload bootstraps MLS.
   */
  private async submitSealed(
    to: Uint8Array,
    kind: SealedKind,
    body: Uint8Array,
    priority: Priority
  ): Promise<string> {
    const content = composeSealed(this.init.user(), to, kind, body, this.limits(), priority)
    await this.init.outbox.submit([{ content, recipient: encodeAddress(to) }])
    return envelopeId(content)
  }

  /**
   * Key packages over the mesh: a request (sealed to the person, so relays learn nothing) is answered with an
   * invite of one of our one-time key packages; an answer completes the adds that waited for it.
   */
  keyPackageExchange(): KeyPackageExchange {
    return {
      requested: (from) => {
        this.mls
          .inviteFor(from, systemClock.now())
          .then(async (invite) => {
            if (invite !== undefined)
              await this.submitSealed(from, 'key-package', new TextEncoder().encode(invite), 'critical')
          })
          .catch((err: unknown) => {
            log.error('could not answer a key package request: %s', (err as Error).message)
          })
      },
      received: (from, invite) => {
        this.mls
          .keyPackageArrived(from, decodeInvite(invite), systemClock.now())
          .then(async ({ outgoing, requestAgain }) => {
            await this.submitMls(outgoing)
            if (requestAgain) await this.requestKeyPackage(from)
          })
          .catch((err: unknown) => {
            log.error('a key package from %x was not used: %s', encodeAddress(from), (err as Error).message)
          })
      },
      firstText: (from, keyPackage) => {
        const now = systemClock.now()
        verifiedKeyPackage(keyPackage, now)
          .then((verified) => {
            if (verified === undefined) throw new MlsRejectedError('its key package does not verify')
            return this.mls.firstTextArrived(from, verified.keyPackage, now)
          })
          .then((outgoing) => this.submitMls(outgoing))
          .catch((err: unknown) => {
            log.error('could not answer a first text with a Welcome: %s', (err as Error).message)
          })
      }
    }
  }

  /** First messages kept until their recipient's key package arrives, as the outbox lists them. */
  async waitingItems(now: number, ttl: number): Promise<OutboxItem[]> {
    return (await this.mls.waitingFirstMessages()).map((first) => ({
      id: first.id,
      recipient: encodeAddress(first.recipient),
      priority: first.priority,
      age: now - first.sentAt,
      attempts: 0,
      refusals: 0,
      lastError: '',
      nextAttemptAt: 0,
      expiresAt: first.sentAt + ttl,
      waiting: 'key package' as const
    }))
  }

  /** Discards first messages kept for a key package, these or all; answers how many. */
  async discardFirstMessages(ids: string[] | undefined): Promise<number> {
    return this.mls.discardFirstMessages(ids)
  }

  async invite(): Promise<string> {
    return this.mls.invite()
  }

  async createGroup(name: string): Promise<GroupSummary> {
    return this.mls.createGroup(name)
  }

  /** Adds people to a group: by invite at once, by address once their key package is known or arrives. */
  async addToGroup(group: string, people: string[]): Promise<GroupChange & { requested: string[] }> {
    const invites = people.filter(isInvite)
    const addresses = people.filter((person) => !isInvite(person))
    const keys = addresses.map(decodeAddress)
    const ids: string[] = []
    if (invites.length > 0) {
      const outgoing = await this.mls.add(group, invites.map(decodeInvite), systemClock.now())
      ids.push(...(await this.submitMls(outgoing)).ids)
    }
    const requested: string[] = []
    for (const key of keys) {
      const known = await this.knownKeyPackage(key)
      if (known !== undefined) {
        ids.push(...(await this.submitMls(await this.mls.add(group, [known], systemClock.now()))).ids)
        continue
      }
      await this.mls.requestAdd(group, key)
      ids.push(await this.requestKeyPackage(key))
      requested.push(encodeAddress(key))
    }
    return { ids, requested, proposed: !this.mls.commits(group), group: this.mls.info(group) }
  }

  async removeFromGroup(group: string, addresses: string[]): Promise<GroupChange> {
    const outgoing = await this.mls.remove(group, addresses.map(decodeAddress), systemClock.now())
    const { ids } = await this.submitMls(outgoing)
    return { ids, proposed: !this.mls.commits(group), group: this.mls.info(group) }
  }

  async sendToGroup(group: string, text: string): Promise<{ ids: string[] }> {
    return this.submitMls(await this.mls.send(group, text, systemClock.now()))
  }

  groups(): GroupSummary[] {
    return this.mls.list()
  }

  group(group: string): GroupSummary {
    return this.mls.info(group)
  }
}
