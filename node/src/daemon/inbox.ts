import type { InboxEntry } from '../queue/index.ts'

/** A message as the user sees it in `qpq-node inbox`. */
export interface InboxMessage {
  id: string
  /** The sender's address, authenticated end to end. */
  from: string
  text: string
  sentAt: number
  receivedAt: number
  /** The group's name, for a message of a group conversation (not of a 1:1 one). */
  group?: string
}

interface InboxRecord {
  from: string
  text: string
  sentAt: number
  group?: string
}

export function encodeInboxRecord(message: InboxMessage): Uint8Array {
  const record: InboxRecord = {
    from: message.from,
    text: message.text,
    sentAt: message.sentAt,
    ...(message.group === undefined ? {} : { group: message.group })
  }
  return new TextEncoder().encode(JSON.stringify(record))
}

export function decodeInboxEntry(entry: InboxEntry): InboxMessage {
  const record = JSON.parse(new TextDecoder().decode(entry.record)) as InboxRecord
  return { id: entry.id, receivedAt: entry.receivedAt, ...record }
}
