import { decodeAddress } from '../identity/index.ts'
import { credentialIdentity, decodeInvite, isInvite } from '../mls/index.ts'
import type { GroupSummary, Outgoing } from '../mls/index.ts'
import type { Priority } from '../wire/index.ts'
import { envelopeId } from '../wire/index.ts'
import { composeMlsEnvelopes } from './compose.ts'
import { systemClock } from './daemon.ts'
import type { Daemon } from './daemon.ts'

export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError'
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

/** Queues the MLS layer's payloads as envelopes; the id of the first is the message's id. */
export async function submitMls(
  daemon: Daemon,
  outgoing: Outgoing[],
  priority: Priority
): Promise<{ ids: string[] }> {
  const { envelope } = daemon.config
  const envelopes = composeMlsEnvelopes({
    outgoing,
    priority,
    now: systemClock.now(),
    ttl: envelope.ttl,
    maxPayloadBytes: envelope.maxPayloadBytes
  })
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
 * travels with the text. Undefined when there is neither (the caller falls back to the interim sealed path).
 */
export async function sendDirect(
  daemon: Daemon,
  to: string,
  text: string,
  priority: Priority
): Promise<{ id: string } | undefined> {
  const keyPackage = isInvite(to) ? decodeInvite(to) : undefined
  const recipientKey =
    keyPackage === undefined ? decodeAddress(to) : credentialIdentity(keyPackage.leafNode.credential)
  const outgoing = await daemon.conversations.sendDirect(recipientKey, text, systemClock.now(), keyPackage)
  if (outgoing === undefined) return undefined
  const { ids } = await submitMls(daemon, outgoing, priority)
  return { id: ids[0] ?? '' }
}

/** The control socket's methods for group conversations and invites. */
export function conversationHandlers(
  daemon: Daemon
): Record<string, (params: Record<string, unknown>) => Promise<unknown>> {
  const mls = (): Daemon['conversations'] => daemon.conversations
  return {
    invite: async (): Promise<{ invite: string }> => ({ invite: await mls().invite() }),

    'group.create': async (params): Promise<GroupSummary> => mls().createGroup(stringParam(params, 'name')),

    'group.add': async (params): Promise<{ ids: string[]; group: GroupSummary }> => {
      const group = stringParam(params, 'group')
      const invites = stringListParam(params, 'invites')
      const bad = invites.find((invite) => !isInvite(invite))
      if (bad !== undefined)
        throw new InvalidRequestError(`${bad} is not an invite (ask them for one: qpq-node invite)`)
      const outgoing = await mls().add(group, invites.map(decodeInvite), systemClock.now())
      return { ...(await submitMls(daemon, outgoing, 'critical')), group: mls().info(group) }
    },

    'group.remove': async (params): Promise<{ ids: string[]; group: GroupSummary }> => {
      const group = stringParam(params, 'group')
      const addresses = stringListParam(params, 'addresses')
      const outgoing = await mls().remove(group, addresses.map(decodeAddress), systemClock.now())
      return { ...(await submitMls(daemon, outgoing, 'critical')), group: mls().info(group) }
    },

    'group.send': async (params): Promise<{ ids: string[] }> => {
      const outgoing = await mls().send(
        stringParam(params, 'group'),
        stringParam(params, 'text'),
        systemClock.now()
      )
      return submitMls(daemon, outgoing, 'normal')
    },

    'group.list': (): Promise<{ groups: GroupSummary[] }> => Promise.resolve({ groups: mls().list() }),

    'group.info': (params): Promise<GroupSummary> => Promise.resolve(mls().info(stringParam(params, 'group')))
  }
}
