import { createHash } from 'node:crypto'
import { MlsPayload } from './payload.pb.ts'
import type { Priority } from '../wire/index.ts'

/** First byte of an MLS-layer payload, telling it from the interim sealed payload. */
export const MLS_PAYLOAD_MARKER = 0x4d

/** One envelope to send: its payload, for whom, its priority, and the secret whose hash its receipt must match. */
export interface Outgoing {
  recipientKey: Uint8Array
  payload: Uint8Array
  receiptSecret: Uint8Array
  priority: Priority
}

export function encodeMlsPayload(payload: Partial<MlsPayload>): Uint8Array {
  const body = MlsPayload.encode(payload)
  const out = new Uint8Array(body.length + 1)
  out[0] = MLS_PAYLOAD_MARKER
  out.set(body, 1)
  return out
}

/** The secret of `recipientKey`'s receipt for a message carrying `seed`. */
export function receiptSecret(seed: Uint8Array, recipientKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(seed).update(recipientKey).digest())
}

/** The inbox id of a first message: bound to its authenticated sender, so no one can overwrite another's. */
export function inboxId(sender: Uint8Array, messageId: Uint8Array): string {
  return createHash('sha256').update(sender).update(messageId).digest('hex')
}
