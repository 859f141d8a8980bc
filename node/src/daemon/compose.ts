import { sha256 } from '@noble/hashes/sha2.js'
import { seal } from '../e2e/index.ts'
import { decodeAddress, epochOf, recipientTag } from '../identity/index.ts'
import type { UserIdentity } from '../identity/index.ts'
import { createEnvelopeContent, OversizeEnvelopeError } from '../wire/index.ts'
import type { Priority } from '../wire/index.ts'

export interface ComposeInput {
  sender: UserIdentity
  address: string
  text: string
  priority: Priority
  now: number
  ttl: number
  maxPayloadBytes: number
}

/** Seals a text message to an address and wraps it in an envelope: the content bytes that travel. */
export function composeMessage(input: ComposeInput): Uint8Array {
  const recipientKey = decodeAddress(input.address)
  const sealed = seal({
    sender: input.sender,
    recipientKey,
    body: new TextEncoder().encode(input.text),
    sentAt: input.now
  })
  if (sealed.payload.length > input.maxPayloadBytes) {
    throw new OversizeEnvelopeError(
      `the message is ${sealed.payload.length} bytes sealed, over the limit of ${input.maxPayloadBytes}`
    )
  }
  return createEnvelopeContent({
    tag: recipientTag(recipientKey, epochOf(input.now)),
    expiresAt: input.now + input.ttl,
    priority: input.priority,
    receiptHash: sha256(sealed.receiptSecret),
    payload: sealed.payload
  }).content
}
