import type {
  GroupChange,
  IdResult,
  InboxMessage,
  InboxPage,
  MethodHandlers,
  OutboxItem,
  PeerResult,
  StatusResult
} from '../api/methods.ts'
import type { GroupSummary } from '../mls/index.ts'
import type { FailedMessage, InboxCursor, InboxEntry } from '../queue/index.ts'
import type { Priority } from '../wire/index.ts'
import { systemClock } from './clock.ts'
import { decodeInboxEntry } from './inbox.ts'
import { prometheusText } from './metrics.ts'

/*
 * The control socket's methods, in groups. Each group declares the small part of the daemon it needs; daemon.ts
 * wires the concrete parts into them, and `controlHandlers` puts the groups together into one handler per
 * method of the protocol table (`CONTROL_METHODS` in node/src/api/methods.ts), which checks their params.
 */

/** This node's identity and listen addresses. */
export interface NodeIdentity {
  id(): IdResult
}

/** What the daemon counts and holds. */
export interface StatusSource {
  status(): StatusResult
}

/** The peers connected now. */
export interface PeerList {
  peers(): PeerResult[]
}

/** The inbox, in order of arrival. */
export interface InboxReader {
  inbox(after: InboxCursor | undefined): AsyncIterable<InboxEntry>
}

/** This node's outbox in the mesh store. */
export interface OutboxControl {
  items(now: number): Promise<OutboxItem[]>
  failed(): Promise<FailedMessage[]>
  flush(): Promise<number>
  discard(ids: string[] | undefined): Promise<number>
}

/** First messages kept until the recipient's key package arrives: they count as the outbox's too. */
export interface WaitingFirstMessages {
  waitingItems(now: number, ttl: number): Promise<OutboxItem[]>
  discardFirstMessages(ids: string[] | undefined): Promise<number>
}

/** Texts to one person. */
export interface DirectSender {
  sendDirect(to: string, text: string, priority: Priority): Promise<{ id: string }>
}

/** Group conversations and invites. */
export interface GroupConversations {
  invite(): Promise<string>
  createGroup(name: string): Promise<GroupSummary>
  addToGroup(group: string, people: string[]): Promise<GroupChange & { requested: string[] }>
  removeFromGroup(group: string, addresses: string[]): Promise<GroupChange>
  sendToGroup(group: string, text: string): Promise<{ ids: string[] }>
  groups(): GroupSummary[]
  group(group: string): GroupSummary
}

/** Everything the control methods need, part by part. */
export interface ControlParts {
  node: NodeIdentity
  status: StatusSource
  peers: PeerList
  inbox: InboxReader
  outbox: OutboxControl
  firstMessages: WaitingFirstMessages
  /** How long an envelope lives (`envelope.ttl`), for the expiry of first messages kept. */
  envelopeTtl: number
  direct: DirectSender
  groups: GroupConversations
}

/** JSON bytes of messages per `inbox` answer: half the control socket's 1 MiB line. */
const INBOX_PAGE_BYTES = 512 * 1024

export function nodeHandlers(node: NodeIdentity, peers: PeerList): Pick<MethodHandlers, 'id' | 'peers'> {
  return {
    id: () => Promise.resolve(node.id()),
    peers: () => Promise.resolve({ peers: peers.peers() })
  }
}

export function statusHandlers(source: StatusSource): Pick<MethodHandlers, 'status' | 'metrics'> {
  return {
    status: () => Promise.resolve(source.status()),
    metrics: () => Promise.resolve({ text: prometheusText(source.status()) })
  }
}

export function inboxHandlers(reader: InboxReader): Pick<MethodHandlers, 'inbox'> {
  return {
    inbox: async ({ after }): Promise<InboxPage> => {
      const messages: InboxMessage[] = []
      let bytes = 0
      let last: InboxCursor | undefined
      for await (const entry of reader.inbox(after)) {
        const message = decodeInboxEntry(entry)
        bytes += Buffer.byteLength(JSON.stringify(message))
        // Every page holds at least one message: one alone outgrows a line only with envelope.max_payload_bytes
        // raised past 1 MiB.
        if (messages.length > 0 && bytes > INBOX_PAGE_BYTES) return { messages, next: last }
        messages.push(message)
        last = { id: entry.id, receivedAt: entry.receivedAt }
      }
      return { messages }
    }
  }
}

export function outboxHandlers(
  outbox: OutboxControl,
  firstMessages: WaitingFirstMessages,
  envelopeTtl: number
): Pick<MethodHandlers, 'outbox' | 'outbox.failed' | 'outbox.flush' | 'outbox.clear'> {
  return {
    outbox: async () => {
      const now = systemClock.now()
      const items = await outbox.items(now)
      items.push(...(await firstMessages.waitingItems(now, envelopeTtl)))
      return { items }
    },
    'outbox.failed': async () => ({ items: await outbox.failed() }),
    'outbox.flush': async () => ({ pending: await outbox.flush() }),
    'outbox.clear': async ({ ids }) => {
      const dropped = await outbox.discard(ids)
      const firsts = await firstMessages.discardFirstMessages(ids)
      return { discarded: dropped + firsts }
    }
  }
}

export function messageHandlers(direct: DirectSender): Pick<MethodHandlers, 'send'> {
  return {
    send: ({ address, text, priority }) => direct.sendDirect(address, text, priority)
  }
}

export function groupHandlers(
  groups: GroupConversations
): Pick<
  MethodHandlers,
  'invite' | 'group.create' | 'group.add' | 'group.remove' | 'group.send' | 'group.list' | 'group.info'
> {
  return {
    invite: async () => ({ invite: await groups.invite() }),
    'group.create': ({ name }) => groups.createGroup(name),
    'group.add': ({ group, members }) => groups.addToGroup(group, members),
    'group.remove': ({ group, addresses }) => groups.removeFromGroup(group, addresses),
    'group.send': ({ group, text }) => groups.sendToGroup(group, text),
    'group.list': () => Promise.resolve({ groups: groups.groups() }),
    'group.info': ({ group }) => Promise.resolve(groups.group(group))
  }
}

/** One handler per method of the protocol table, from the daemon's parts. */
export function controlHandlers(parts: ControlParts): MethodHandlers {
  return {
    ...nodeHandlers(parts.node, parts.peers),
    ...statusHandlers(parts.status),
    ...inboxHandlers(parts.inbox),
    ...outboxHandlers(parts.outbox, parts.firstMessages, parts.envelopeTtl),
    ...messageHandlers(parts.direct),
    ...groupHandlers(parts.groups)
  }
}
