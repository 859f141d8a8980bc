/**
 * The control protocol's methods: one table of method → params and result schemas, shared by the daemon
 * (which validates params before a handler runs) and the CLI (whose client validates results). Every
 * message of a refused param names the field; the daemon sends it as `InvalidRequestError`
 * (`E_API_INVALID_REQUEST`).
 */

import { z } from 'zod'
import { InvalidRequestError } from './errors.ts'
import type { ControlHandler, ControlHandlerContext, ControlHandlers } from './server.ts'

const PRIORITIES = ['critical', 'normal', 'low'] as const

/** A non-empty string param, refused with `<key> must be a non-empty string`. */
function nonEmptyString(key: string): z.ZodString {
  const error = `${key} must be a non-empty string`
  return z.string({ error }).min(1, { error })
}

/** A non-empty list of non-empty strings, refused with `<key> must be a non-empty list of strings`. */
function nonEmptyStringList(key: string): z.ZodArray<z.ZodString> {
  const error = `${key} must be a non-empty list of strings`
  return z.array(z.string({ error }).min(1, { error }), { error }).min(1, { error })
}

const priority = z.enum(PRIORITIES)
const none = z.object({})
const counts = z.record(z.string(), z.number())

const inboxCursor = z.object({ id: z.string(), receivedAt: z.number() })

const inboxMessage = z.object({
  id: z.string(),
  /** The sender's address, authenticated end to end. */
  from: z.string(),
  text: z.string(),
  sentAt: z.number(),
  receivedAt: z.number(),
  /** The group's name, for a message of a group conversation (not of a 1:1 one). */
  group: z.string().optional()
})

const idResult = z.object({ address: z.string(), peerId: z.string(), multiaddrs: z.array(z.string()) })

/** One page of the inbox; `next`, when present, is the cursor to pass as `after` for the following page. */
const inboxPage = z.object({ messages: z.array(inboxMessage), next: inboxCursor.optional() })

const directoryStatus = z.object({
  identities: z.number(),
  keyPackages: z.number(),
  /** Identities evicted for the identity limit since start. */
  evicted: z.number()
})

const statusResult = z.object({
  address: z.string(),
  peerId: z.string(),
  /** Peers with an open libp2p connection. */
  connectedPeers: z.number(),
  /** Peers with an open mesh stream. */
  meshContacts: z.number(),
  outbox: z.number(),
  relay: z.number(),
  relayBytes: z.number(),
  receipts: z.number(),
  /** What the mesh engine holds in memory for its contacts: ids wanted and requested, sends unacknowledged, receipt hints. */
  engineHeld: z.object({
    wanted: z.number(),
    requested: z.number(),
    unacknowledged: z.number(),
    receiptHints: z.number()
  }),
  inbox: z.number(),
  delivered: z.number(),
  /** This node's envelopes confirmed delivered (a receipt came back) since start. */
  confirmed: z.number(),
  dropped: z.number(),
  /** Envelopes dropped or refused since start, by reason (quotas, eviction, staleness, …). */
  droppedByReason: counts,
  /** Envelopes refused for a quota or a full store, by the peer that offered them. */
  refusedByPeer: counts,
  /** Frames from peers that did not decode, dropped, since start. */
  malformedFrames: z.number(),
  /** Failed messages kept (`qpq-node outbox --failed`). */
  failed: z.number(),
  /** This node's messages that failed since start, by reason (`too large`, `expired`, …). */
  failedByReason: counts,
  /** Connections closed for opening no mesh stream within `network.silent_timeout`, since start. */
  silentClosed: z.number(),
  /** Connections closed to make room for a newer one, since start. */
  pruned: z.number(),
  /** Peers refused now for misbehaving. */
  bannedNow: z.number(),
  /** Peers banned for misbehaving since start. */
  bansTotal: z.number(),
  /** Times a peer's frames were left unread because it did not read what it was sent, since start. */
  readsPaused: z.number(),
  /** The daemon process's resident memory, in bytes, and the malloc serving it. */
  residentBytes: z.number(),
  allocator: z.enum(['jemalloc', 'system']),
  /** What strangers and unknown groups made the MLS layer keep, and what its quotas refused or evicted. */
  mls: z.object({
    pendingMessages: z.number(),
    pendingBytes: z.number(),
    unansweredStrangers: z.number(),
    quota: counts
  }),
  /** The key-package directory's holdings and evictions, when it runs. */
  directory: directoryStatus.optional()
})

/** One pending envelope of this node's user, as `qpq-node outbox` lists it. */
const outboxItem = z.object({
  id: z.string(),
  recipient: z.string(),
  priority,
  /** Milliseconds since it was queued. */
  age: z.number(),
  attempts: z.number(),
  /** Refusals for a reason that will not change; at `outbox.max_refusals` of one reason the message fails. */
  refusals: z.number(),
  lastError: z.string(),
  /** Unix ms of the next try; 0 when it goes to the next peer met. */
  nextAttemptAt: z.number(),
  expiresAt: z.number(),
  /** Set on a first message kept until the recipient's key package arrives: what it waits for. */
  waiting: z.literal('key package').optional()
})

const failedMessage = z.object({
  id: z.string(),
  recipient: z.string(),
  priority,
  reason: z.string(),
  detail: z.string(),
  queuedAt: z.number(),
  failedAt: z.number()
})

const peerResult = z.object({ peerId: z.string(), addresses: z.array(z.string()), mesh: z.boolean() })

const groupSummary = z.object({
  id: z.string(),
  name: z.string(),
  direct: z.boolean(),
  epoch: z.number(),
  members: z.array(z.string()),
  committer: z.string(),
  removed: z.boolean(),
  ciphersuite: z.string(),
  /** This member's proposals waiting for the committer, as `add <address>` or `remove <address>`. */
  proposed: z.array(z.string())
})

/**
 * What `group add` and `group remove` did: committed (by the committer), or `proposed` to the committer, which
 * commits it when the proposal reaches it. `ids` are the envelopes sent.
 */
const groupChange = z.object({ ids: z.array(z.string()), proposed: z.boolean(), group: groupSummary })

const ids = z.object({ ids: z.array(z.string()) })

/** Every method of the control socket: its params and its result. */
export const CONTROL_METHODS = {
  id: { params: none, result: idResult },
  send: {
    params: z.object({
      address: nonEmptyString('address'),
      text: nonEmptyString('text'),
      priority: z
        .enum(PRIORITIES, { error: `priority must be one of ${PRIORITIES.join(', ')}` })
        .default('normal')
    }),
    result: z.object({ id: z.string() })
  },
  inbox: {
    params: z.object({
      after: z
        .object(
          {
            id: z.string({ error: 'after must be the cursor of an earlier inbox page' }),
            receivedAt: z.number({ error: 'after must be the cursor of an earlier inbox page' })
          },
          { error: 'after must be the cursor of an earlier inbox page' }
        )
        .optional()
    }),
    result: inboxPage
  },
  status: { params: none, result: statusResult },
  metrics: { params: none, result: z.object({ text: z.string() }) },
  outbox: { params: none, result: z.object({ items: z.array(outboxItem) }) },
  'outbox.failed': { params: none, result: z.object({ items: z.array(failedMessage) }) },
  'outbox.flush': { params: none, result: z.object({ pending: z.number() }) },
  'outbox.clear': {
    params: z.object({
      ids: z
        .array(z.string({ error: 'ids must be a list of envelope ids' }), {
          error: 'ids must be a list of envelope ids'
        })
        .optional()
    }),
    result: z.object({ discarded: z.number() })
  },
  peers: { params: none, result: z.object({ peers: z.array(peerResult) }) },
  invite: { params: none, result: z.object({ invite: z.string() }) },
  'group.create': { params: z.object({ name: nonEmptyString('name') }), result: groupSummary },
  'group.add': {
    params: z.object({ group: nonEmptyString('group'), members: nonEmptyStringList('members') }),
    result: groupChange.extend({ requested: z.array(z.string()) })
  },
  'group.remove': {
    params: z.object({ group: nonEmptyString('group'), addresses: nonEmptyStringList('addresses') }),
    result: groupChange
  },
  'group.send': {
    params: z.object({ group: nonEmptyString('group'), text: nonEmptyString('text') }),
    result: ids
  },
  'group.list': { params: none, result: z.object({ groups: z.array(groupSummary) }) },
  'group.info': { params: z.object({ group: nonEmptyString('group') }), result: groupSummary }
} as const

export type ControlMethods = typeof CONTROL_METHODS
export type ControlMethod = keyof ControlMethods

/** What a caller passes for a method (defaults left out). */
export type ParamsIn<M extends ControlMethod> = z.input<ControlMethods[M]['params']>
/** What a handler gets for a method, checked and with defaults filled in. */
export type ParamsOf<M extends ControlMethod> = z.output<ControlMethods[M]['params']>
/** What a method answers. */
export type ResultOf<M extends ControlMethod> = z.output<ControlMethods[M]['result']>

/** One handler per method of the table, typed by it. */
export type MethodHandlers = {
  [M in ControlMethod]: (params: ParamsOf<M>, context: ControlHandlerContext) => Promise<ResultOf<M>>
}

export type IdResult = ResultOf<'id'>
export type InboxMessage = z.output<typeof inboxMessage>
export type InboxPage = ResultOf<'inbox'>
export type StatusResult = ResultOf<'status'>
export type DirectoryStatus = z.output<typeof directoryStatus>
export type OutboxItem = z.output<typeof outboxItem>
export type PeerResult = z.output<typeof peerResult>
export type GroupChange = ResultOf<'group.remove'>

export function isControlMethod(method: string): method is ControlMethod {
  return Object.hasOwn(CONTROL_METHODS, method)
}

/** Checks a method's params against the table; throws `InvalidRequestError` naming the field. */
export function parseParams<M extends ControlMethod>(method: M, params: unknown): ParamsOf<M> {
  const parsed = CONTROL_METHODS[method].params.safeParse(params)
  if (parsed.success) return parsed.data as ParamsOf<M>
  throw new InvalidRequestError(issueMessage(parsed.error))
}

/** Checks a method's result against the table; `undefined` when it does not match. */
export function checkResult<M extends ControlMethod>(method: M, result: unknown): ResultOf<M> | undefined {
  // The checked value is returned as the daemon sent it (not as zod rebuilds it), so `--json` prints it as is.
  return CONTROL_METHODS[method].result.safeParse(result).success ? (result as ResultOf<M>) : undefined
}

/** The first issue's message, prefixed with the field's path unless the schema's own message names it. */
function issueMessage(error: z.ZodError): string {
  const [issue] = error.issues
  if (issue === undefined) return 'invalid params'
  const path = issue.path.map(String).join('.')
  const [field] = issue.path
  if (path === '' || (typeof field === 'string' && issue.message.startsWith(field))) return issue.message
  return `${path}: ${issue.message}`
}

/** The server's handlers for the table: each checks its params with the method's schema before it runs. */
export function tableHandlers(handlers: MethodHandlers): ControlHandlers {
  const served: ControlHandlers = {}
  for (const method of Object.keys(CONTROL_METHODS) as ControlMethod[]) {
    served[method] = checkedHandler(method, handlers)
  }
  return served
}

function checkedHandler(method: ControlMethod, handlers: MethodHandlers): ControlHandler {
  // The table ties each method's handler to its params; a map over all methods cannot say so to TypeScript.
  const handler = handlers[method] as (params: unknown, context: ControlHandlerContext) => Promise<unknown>
  return async (params, context) => handler(parseParams(method, params), context)
}
