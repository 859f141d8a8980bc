import { InvalidRequestError } from '../api/errors.ts'
import { logger } from '../log/index.ts'
import { decodeAddress, encodeAddress } from '../identity/index.ts'
import {
  credentialIdentity,
  decodeInvite,
  decodeKeyPackage,
  isInvite,
  MlsRejectedError,
  verifiedKeyPackage
} from '../mls/index.ts'
import type { GroupSummary, Outgoing } from '../mls/index.ts'
import type { KeyPackage } from 'ts-mls'
import type { Priority } from '../wire/index.ts'
import { envelopeId } from '../wire/index.ts'
import type { SealedKind } from '../e2e/index.ts'
import { composeMlsEnvelopes, composeSealed } from './compose.ts'
import type { EnvelopeLimits } from './compose.ts'
import type { KeyPackageExchange } from './local-user.ts'
import { systemClock } from './clock.ts'
import type { Daemon } from './daemon.ts'

const log = logger('qpq:daemon:conversations')

/**
 * What `group add` and `group remove` did: committed (by the committer), or `proposed` to the committer, which
 * commits it when the proposal reaches it. `ids` are the envelopes sent.
 */
export interface GroupChange {
  ids: string[]
  proposed: boolean
  group: GroupSummary
}

export function stringParam(params: Record<string, unknown>, key: string): string {
  const value = params[key]
  if (typeof value !== 'string' || value === '')
    throw new InvalidRequestError(`${key} must be a non-empty string`)
  return value
}

function stringListParam(params: Record<string, unknown>, key: string): string[] {
  const value = params[key]
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((item) => typeof item === 'string' && item !== '')
  )
    throw new InvalidRequestError(`${key} must be a non-empty list of strings`)
  return value as string[]
}

function limits(daemon: Daemon): EnvelopeLimits {
  const { envelope } = daemon.config
  return { now: systemClock.now(), ttl: envelope.ttl, maxPayloadBytes: envelope.maxPayloadBytes }
}

/** Queues the MLS layer's payloads as envelopes; the id of the first is the message's id. */
export async function submitMls(daemon: Daemon, outgoing: Outgoing[]): Promise<{ ids: string[] }> {
  const { envelope } = daemon.config
  const envelopes = composeMlsEnvelopes(outgoing, limits(daemon))
  await daemon.meshService.dispatch({
    kind: 'submit',
    envelopes: envelopes.map(({ content, recipient }) => ({
      content,
      hopLimit: envelope.hopLimit,
      recipient
    }))
  })
  return { ids: envelopes.map(({ content }) => envelopeId(content)) }
}

/**
 * A text to one person over MLS: in the 1:1 group with them, or, given an invite, in a new one whose Welcome
 * travels with the text. To an address with neither, under `mls.sealed_first_message` the text leaves at once
 * sealed to the person's identity key with a key package of ours (their Welcome starts the group); otherwise
 * it is kept on disk (the id is printed once it is there) and a key-package request goes out, whose answer
 * starts the group and sends what was kept.
 */
export async function sendDirect(
  daemon: Daemon,
  to: string,
  text: string,
  priority: Priority
): Promise<{ id: string }> {
  const invite = isInvite(to) ? decodeInvite(to) : undefined
  const recipientKey =
    invite === undefined ? decodeAddress(to) : credentialIdentity(invite.leafNode.credential)
  const keyPackage = invite ?? (await knownKeyPackage(daemon, recipientKey))
  const sent = await daemon.conversations.sendDirect(
    recipientKey,
    text,
    systemClock.now(),
    priority,
    keyPackage,
    daemon.config.mls.sealedFirstMessage
  )
  if ('queued' in sent) {
    if (sent.queued.request) await requestKeyPackage(daemon, recipientKey)
    return { id: sent.queued.id }
  }
  if ('sealed' in sent) {
    await submitSealed(daemon, recipientKey, 'first-text', sent.sealed.body, priority)
    return { id: sent.sealed.id }
  }
  const { ids } = await submitMls(daemon, sent.outgoing)
  return { id: ids[0] ?? '' }
}

/** A key package of `identity` that the key-package directory holds and this user has not used yet. */
async function knownKeyPackage(daemon: Daemon, identity: Uint8Array): Promise<KeyPackage | undefined> {
  const known = daemon.keyPackageDirectory?.lookup(identity, systemClock.now())
  if (known === undefined) return undefined
  const keyPackage = decodeKeyPackage(known)
  return (await daemon.conversations.keyPackageUsed(keyPackage)) ? undefined : keyPackage
}

/** Asks a person for a key package over the mesh (a sealed request), remembering the envelope's id. */
export async function requestKeyPackage(daemon: Daemon, to: Uint8Array): Promise<string> {
  const id = await submitSealed(daemon, to, 'key-package-request', new Uint8Array(), 'critical')
  await daemon.conversations.requestSent(to, id)
  return id
}

/** Asks again for the key packages first messages wait for, unless the request is still in the outbox. */
export async function requestWaitingKeyPackages(daemon: Daemon): Promise<void> {
  for (const { recipient, request } of await daemon.conversations.waitingRecipients()) {
    const queued = request === undefined ? undefined : (await daemon.meshStore.getEnvelopes([request]))[0]
    if (queued === undefined) await requestKeyPackage(daemon, recipient)
  }
}

/**
 * Queues a sealed envelope: a message of the key-package exchange (critical: nothing else moves until it
 * arrives) or a first text. The sealed payload bootstraps MLS.
 */
async function submitSealed(
  daemon: Daemon,
  to: Uint8Array,
  kind: SealedKind,
  body: Uint8Array,
  priority: Priority
): Promise<string> {
  const content = composeSealed(daemon.user, to, kind, body, limits(daemon), priority)
  await daemon.meshService.dispatch({
    kind: 'submit',
    envelopes: [{ content, hopLimit: daemon.config.envelope.hopLimit, recipient: encodeAddress(to) }]
  })
  return envelopeId(content)
}

/**
 * Key packages over the mesh: a request (sealed to the person, so relays learn nothing) is answered with an
 * invite of one of our one-time key packages; an answer completes the adds that waited for it.
 */
export function keyPackageExchange(daemon: Daemon): KeyPackageExchange {
  return {
    requested(from) {
      daemon.conversations
        .inviteFor(from, systemClock.now())
        .then(async (invite) => {
          if (invite !== undefined)
            await submitSealed(daemon, from, 'key-package', new TextEncoder().encode(invite), 'critical')
        })
        .catch((err: unknown) => {
          log.error('could not answer a key package request: %s', (err as Error).message)
        })
    },
    received(from, invite) {
      daemon.conversations
        .keyPackageArrived(from, decodeInvite(invite), systemClock.now())
        .then(async ({ outgoing, requestAgain }) => {
          await submitMls(daemon, outgoing)
          if (requestAgain) await requestKeyPackage(daemon, from)
        })
        .catch((err: unknown) => {
          log.error('a key package from %x was not used: %s', encodeAddress(from), (err as Error).message)
        })
    },
    firstText(from, keyPackage) {
      const now = systemClock.now()
      verifiedKeyPackage(keyPackage, now)
        .then((verified) => {
          if (verified === undefined) throw new MlsRejectedError('its key package does not verify')
          return daemon.conversations.firstTextArrived(from, verified.keyPackage, now)
        })
        .then((outgoing) => submitMls(daemon, outgoing))
        .catch((err: unknown) => {
          log.error('could not answer a first text with a Welcome: %s', (err as Error).message)
        })
    }
  }
}

/** The control socket's methods for group conversations and invites. */
export function conversationHandlers(
  daemon: Daemon
): Record<string, (params: Record<string, unknown>) => Promise<unknown>> {
  const mls = (): Daemon['conversations'] => daemon.conversations
  return {
    invite: async (): Promise<{ invite: string }> => ({ invite: await mls().invite() }),

    'group.create': async (params): Promise<GroupSummary> => mls().createGroup(stringParam(params, 'name')),

    'group.add': async (params): Promise<GroupChange & { requested: string[] }> => {
      const group = stringParam(params, 'group')
      const people = stringListParam(params, 'members')
      const invites = people.filter(isInvite)
      const addresses = people.filter((person) => !isInvite(person))
      const keys = addresses.map(decodeAddress)
      const ids: string[] = []
      if (invites.length > 0) {
        const outgoing = await mls().add(group, invites.map(decodeInvite), systemClock.now())
        ids.push(...(await submitMls(daemon, outgoing)).ids)
      }
      const requested: string[] = []
      for (const key of keys) {
        const known = await knownKeyPackage(daemon, key)
        if (known !== undefined) {
          ids.push(...(await submitMls(daemon, await mls().add(group, [known], systemClock.now()))).ids)
          continue
        }
        await mls().requestAdd(group, key)
        ids.push(await requestKeyPackage(daemon, key))
        requested.push(encodeAddress(key))
      }
      return { ids, requested, proposed: !mls().commits(group), group: mls().info(group) }
    },

    'group.remove': async (params): Promise<GroupChange> => {
      const group = stringParam(params, 'group')
      const addresses = stringListParam(params, 'addresses')
      const outgoing = await mls().remove(group, addresses.map(decodeAddress), systemClock.now())
      const { ids } = await submitMls(daemon, outgoing)
      return { ids, proposed: !mls().commits(group), group: mls().info(group) }
    },

    'group.send': async (params): Promise<{ ids: string[] }> => {
      const outgoing = await mls().send(
        stringParam(params, 'group'),
        stringParam(params, 'text'),
        systemClock.now()
      )
      return submitMls(daemon, outgoing)
    },

    'group.list': (): Promise<{ groups: GroupSummary[] }> => Promise.resolve({ groups: mls().list() }),

    'group.info': (params): Promise<GroupSummary> => Promise.resolve(mls().info(stringParam(params, 'group')))
  }
}
