import type { InboxMessage } from '../api/methods.ts'
import type { InboxEntry } from '../queue/index.ts'

/** A message as the user sees it in `qpq-node inbox` (its schema is the control protocol's). */
export type { InboxMessage }

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
