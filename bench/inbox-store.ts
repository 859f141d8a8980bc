import { join } from 'node:path'
import { decodeInboxEntry } from '../node/src/daemon/inbox.ts'
import type { InboxMessage } from '../node/src/daemon/index.ts'
import { LevelStore } from '../node/src/queue/index.ts'

/**
 * Reads the inbox of a stopped daemon straight from its LevelDB store (`<data>/store`). The control socket's
 * `inbox` method answers in one line of at most 1 MiB, too small for thousands of 1 KiB messages.
 */
export async function readStoredInbox(dataDir: string): Promise<InboxMessage[]> {
  const store = new LevelStore(join(dataDir, 'store'))
  await store.open()
  try {
    const messages: InboxMessage[] = []
    for await (const entry of store.inbox()) messages.push(decodeInboxEntry(entry))
    return messages
  } finally {
    await store.close()
  }
}
