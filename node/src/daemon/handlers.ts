import { InvalidRequestError } from '../api/errors.ts'
import { encodeAddress } from '../identity/index.ts'
import type { EngineHeld, EngineStats } from '../mesh/index.ts'
import type { MlsStats } from '../mls/index.ts'
import type { FailedMessage, InboxCursor } from '../queue/index.ts'
import type { Priority } from '../wire/index.ts'
import type { Allocator } from './allocator.ts'
import { conversationHandlers, sendDirect, stringParam } from './conversations.ts'
import { systemClock } from './clock.ts'
import type { Daemon } from './daemon.ts'
import { decodeInboxEntry } from './inbox.ts'
import { prometheusText } from './metrics.ts'
import type { InboxMessage } from './inbox.ts'

const PRIORITIES: readonly Priority[] = ['critical', 'normal', 'low']

export interface IdResult {
  address: string
  peerId: string
  multiaddrs: string[]
}

/** JSON bytes of messages per `inbox` answer: half the control socket's 1 MiB line. */
const INBOX_PAGE_BYTES = 512 * 1024

/** One page of the inbox; `next`, when present, is the cursor to pass as `after` for the following page. */
export interface InboxPage {
  messages: InboxMessage[]
  next?: InboxCursor
}

function isInboxCursor(value: unknown): value is InboxCursor {
  const cursor = value as Partial<InboxCursor> | null
  return typeof cursor?.id === 'string' && typeof cursor.receivedAt === 'number'
}

export interface StatusResult {
  address: string
  peerId: string
  /** Peers with an open libp2p connection. */
  connectedPeers: number
  /** Peers with an open mesh stream. */
  meshContacts: number
  outbox: number
  relay: number
  relayBytes: number
  receipts: number
  /** What the mesh engine holds in memory for its contacts: ids wanted and requested, sends unacknowledged, receipt hints. */
  engineHeld: EngineHeld
  inbox: number
  delivered: number
  /** This node's envelopes confirmed delivered (a receipt came back) since start. */
  confirmed: number
  dropped: number
  /** Envelopes dropped or refused since start, by reason (quotas, eviction, staleness, …). */
  droppedByReason: EngineStats['dropped']
  /** Envelopes refused for a quota or a full store, by the peer that offered them. */
  refusedByPeer: EngineStats['refusedByPeer']
  /** Frames from peers that did not decode, dropped, since start. */
  malformedFrames: number
  /** Failed messages kept (`qpq-node outbox --failed`). */
  failed: number
  /** This node's messages that failed since start, by reason (`too large`, `expired`, …). */
  failedByReason: EngineStats['failed']
  /** Connections closed for opening no mesh stream within `network.silent_timeout`, since start. */
  silentClosed: number
  /** Connections closed to make room for a newer one, since start. */
  pruned: number
  /** Peers refused now for misbehaving. */
  bannedNow: number
  /** Peers banned for misbehaving since start. */
  bansTotal: number
  /** Times a peer's frames were left unread because it did not read what it was sent, since start. */
  readsPaused: number
  /** The daemon process's resident memory, in bytes, and the malloc serving it. */
  residentBytes: number
  allocator: Allocator
  /** What strangers and unknown groups made the MLS layer keep, and what its quotas refused or evicted. */
  mls: MlsStats
  /** The key-package directory's holdings and evictions, when it runs. */
  directory?: DirectoryStatus
}

export interface DirectoryStatus {
  identities: number
  keyPackages: number
  /** Identities evicted for the identity limit since start. */
  evicted: number
}

/** One pending envelope of this node's user, as `qpq-node outbox` lists it. */
export interface OutboxItem {
  id: string
  recipient: string
  priority: Priority
  /** Milliseconds since it was queued. */
  age: number
  attempts: number
  /** Refusals for a reason that will not change; at `outbox.max_refusals` of one reason the message fails. */
  refusals: number
  lastError: string
  /** Unix ms of the next try; 0 when it goes to the next peer met. */
  nextAttemptAt: number
  expiresAt: number
  /** Set on a first message kept until the recipient's key package arrives: what it waits for. */
  waiting?: 'key package'
}

export interface PeerResult {
  peerId: string
  addresses: string[]
  mesh: boolean
}

/** The control socket's methods, one per CLI command that needs the running daemon. */
export function controlHandlers(
  daemon: Daemon
): Record<string, (params: Record<string, unknown>) => Promise<unknown>> {
  return {
    ...conversationHandlers(daemon),
    id: (): Promise<IdResult> =>
      Promise.resolve({
        address: encodeAddress(daemon.user.publicKey),
        peerId: daemon.libp2p.peerId.toString(),
        multiaddrs: daemon.multiaddrs()
      }),

    send: async (params): Promise<{ id: string }> => {
      const address = stringParam(params, 'address')
      const text = stringParam(params, 'text')
      const priority = params.priority ?? 'normal'
      if (typeof priority !== 'string' || !PRIORITIES.includes(priority as Priority)) {
        throw new InvalidRequestError(`priority must be one of ${PRIORITIES.join(', ')}`)
      }
      return sendDirect(daemon, address, text, priority as Priority)
    },

    inbox: async (params): Promise<InboxPage> => {
      const after = params.after
      if (after !== undefined && !isInboxCursor(after)) {
        throw new InvalidRequestError('after must be the cursor of an earlier inbox page')
      }
      const messages: InboxMessage[] = []
      let bytes = 0
      let last: InboxCursor | undefined
      for await (const entry of daemon.meshStore.inbox(after)) {
        const message = decodeInboxEntry(entry)
        bytes += Buffer.byteLength(JSON.stringify(message))
        // Every page holds at least one message: one alone outgrows a line only with envelope.max_payload_bytes
        // raised past 1 MiB.
        if (messages.length > 0 && bytes > INBOX_PAGE_BYTES) return { messages, next: last }
        messages.push(message)
        last = { id: entry.id, receivedAt: entry.receivedAt }
      }
      return { messages }
    },

    status: (): Promise<StatusResult> => Promise.resolve(status(daemon)),

    metrics: (): Promise<{ text: string }> => Promise.resolve({ text: prometheusText(status(daemon)) }),

    outbox: async (): Promise<{ items: OutboxItem[] }> => {
      const now = systemClock.now()
      const items: OutboxItem[] = []
      for await (const page of daemon.meshStore.summaries('send')) {
        for (const summary of page) {
          if (summary.origin !== 'local') continue
          const attempts = daemon.meshEngine.attempts(summary.header.id)
          items.push({
            id: summary.header.id,
            recipient: summary.recipient,
            priority: summary.header.priority,
            age: now - summary.receivedAt,
            attempts: attempts?.attempts ?? 0,
            refusals: Object.values(attempts?.refusals ?? {}).reduce((sum, count) => sum + count, 0),
            lastError: attempts?.lastError ?? '',
            nextAttemptAt: attempts?.nextAttemptAt ?? 0,
            expiresAt: summary.header.expiresAt
          })
        }
      }
      for (const first of await daemon.conversations.waitingFirstMessages()) {
        items.push({
          id: first.id,
          recipient: encodeAddress(first.recipient),
          priority: first.priority,
          age: now - first.sentAt,
          attempts: 0,
          refusals: 0,
          lastError: '',
          nextAttemptAt: 0,
          expiresAt: first.sentAt + daemon.config.envelope.ttl,
          waiting: 'key package'
        })
      }
      return { items }
    },

    'outbox.failed': async (): Promise<{ items: FailedMessage[] }> => {
      const items: FailedMessage[] = []
      for await (const failed of daemon.meshStore.failed()) items.push(failed)
      return { items }
    },

    'outbox.flush': async (): Promise<{ pending: number }> => {
      await daemon.meshService.dispatch({ kind: 'flush' })
      return { pending: daemon.meshStore.counts().outbox }
    },

    'outbox.clear': async (params): Promise<{ discarded: number }> => {
      const ids = params.ids
      if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) {
        throw new InvalidRequestError('ids must be a list of envelope ids')
      }
      const actions = await daemon.meshService.dispatch({ kind: 'discard', ids: ids })
      const firsts = await daemon.conversations.discardFirstMessages(ids)
      return { discarded: actions.filter((action) => action.kind === 'dropped').length + firsts }
    },

    peers: (): Promise<{ peers: PeerResult[] }> => {
      const node = daemon.libp2p
      const contacts = new Set(daemon.meshService.contacts())
      return Promise.resolve({
        peers: node.getPeers().map((peerId) => ({
          peerId: peerId.toString(),
          addresses: node.getConnections(peerId).map((connection) => connection.remoteAddr.toString()),
          mesh: contacts.has(peerId.toString())
        }))
      })
    }
  }
}

function status(daemon: Daemon): StatusResult {
  const counts = daemon.meshStore.counts()
  const { dropped } = daemon.meshEngine.stats
  const node = daemon.libp2p
  return {
    address: encodeAddress(daemon.user.publicKey),
    peerId: node.peerId.toString(),
    connectedPeers: node.getPeers().length,
    meshContacts: daemon.meshService.contacts().length,
    outbox: counts.outbox,
    relay: counts.relay,
    relayBytes: counts.relayBytes,
    receipts: counts.receipts,
    engineHeld: daemon.meshEngine.held(),
    inbox: counts.inbox,
    delivered: daemon.stats.delivered,
    confirmed: daemon.stats.receipts,
    dropped: Object.values(dropped).reduce((sum, count) => sum + count, 0),
    droppedByReason: { ...dropped },
    refusedByPeer: { ...daemon.meshEngine.stats.refusedByPeer },
    malformedFrames: daemon.meshService.stats.malformedFrames,
    failed: counts.failed,
    failedByReason: { ...daemon.meshEngine.stats.failed },
    ...daemon.guardStats,
    residentBytes: process.memoryUsage.rss(),
    allocator: daemon.allocator,
    mls: daemon.conversations.stats,
    ...directoryStatus(daemon)
  }
}

function directoryStatus(daemon: Daemon): { directory?: DirectoryStatus } {
  const directory = daemon.keyPackageDirectory
  if (directory === undefined) return {}
  return { directory: { ...directory.counts(), evicted: directory.stats.evicted } }
}
