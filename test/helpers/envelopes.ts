import { randomBytes } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import type { StoredEnvelope } from '../../node/src/queue/index.ts'
import { createEnvelopeContent, readHeader } from '../../node/src/wire/index.ts'
import type { Priority } from '../../node/src/wire/index.ts'

export interface TestEnvelope {
  content: Uint8Array
  secret: Uint8Array
  id: string
}

/** An envelope with a random payload for `tag`, and the receipt secret that proves its delivery. */
export function testEnvelope(
  tag: Uint8Array,
  options: { expiresAt?: number; priority?: Priority; payloadBytes?: number } = {}
): TestEnvelope {
  const secret = new Uint8Array(randomBytes(32))
  const { content, header } = createEnvelopeContent({
    tag,
    expiresAt: options.expiresAt ?? Date.now() + 3_600_000,
    priority: options.priority ?? 'normal',
    receiptHash: sha256(secret),
    payload: new Uint8Array(randomBytes(options.payloadBytes ?? 64))
  })
  return { content, secret, id: header.id }
}

export function storedEnvelope(envelope: TestEnvelope, origin: 'local' | 'relay' = 'relay'): StoredEnvelope {
  return {
    header: readHeader(envelope.content),
    content: envelope.content,
    hopsLeft: 8,
    origin,
    receivedAt: 1000,
    fromPeer: origin === 'relay' ? 'peer-a' : '',
    recipient: ''
  }
}
