import { sha256 } from '@noble/hashes/sha2.js'
import { seal } from '../e2e/index.ts'
import type { SealedKind } from '../e2e/index.ts'
import { encodeAddress, epochOf, recipientTag } from '../identity/index.ts'
import type { UserIdentity } from '../identity/index.ts'
import type { Outgoing } from '../mls/index.ts'
import { createEnvelopeContent, OversizeEnvelopeError } from '../wire/index.ts'
import type { Priority } from '../wire/index.ts'

/** When and for how long an envelope travels, and the largest payload it may carry. */
export interface EnvelopeLimits {
  now: number
  ttl: number
  maxPayloadBytes: number
}

/** Wraps a payload in an envelope for its recipient: the bytes that travel. */
export function composeEnvelope(outgoing: Outgoing, limits: EnvelopeLimits): Uint8Array {
  if (outgoing.payload.length > limits.maxPayloadBytes) {
    throw new OversizeEnvelopeError(
      `the message is ${outgoing.payload.length} bytes encrypted, over the limit of ${limits.maxPayloadBytes}`
    )
  }
  return createEnvelopeContent({
    tag: recipientTag(outgoing.recipientKey, epochOf(limits.now)),
    expiresAt: limits.now + limits.ttl,
    priority: outgoing.priority,
    receiptHash: sha256(outgoing.receiptSecret),
    payload: outgoing.payload
  }).content
}

/** Seals a message to someone's identity key and wraps it in an envelope. */
export function composeSealed(
  sender: UserIdentity,
  recipientKey: Uint8Array,
  kind: SealedKind,
  body: Uint8Array,
  limits: EnvelopeLimits,
  priority: Priority
): Uint8Array {
  const sealed = seal({ sender, recipientKey, body, sentAt: limits.now, kind })
  return composeEnvelope({ ...sealed, recipientKey, priority }, limits)
}

/** Wraps each payload of the MLS layer in an envelope for its recipient. */
export function composeMlsEnvelopes(
  outgoing: Outgoing[],
  limits: EnvelopeLimits
): { content: Uint8Array; recipient: string }[] {
  return outgoing.map((one) => ({
    recipient: encodeAddress(one.recipientKey),
    content: composeEnvelope(one, limits)
  }))
}
