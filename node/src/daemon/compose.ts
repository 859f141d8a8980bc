import { sha256 } from '@noble/hashes/sha2.js'
import { seal } from '../e2e/index.ts'
import type { SealedKind } from '../e2e/index.ts'
import { decodeAddress, encodeAddress, epochOf, recipientTag } from '../identity/index.ts'
import type { UserIdentity } from '../identity/index.ts'
import type { Outgoing } from '../mls/index.ts'
import { createEnvelopeContent, OversizeEnvelopeError } from '../wire/index.ts'
import type { Priority } from '../wire/index.ts'

export interface ComposeInput {
  sender: UserIdentity
  address: string
  /** The request's or answer's body: empty, or an invite. */
  body: string
  kind: SealedKind
  priority: Priority
  now: number
  ttl: number
  maxPayloadBytes: number
}

/** Seals a message of the key-package exchange to an address and wraps it in an envelope: the bytes that travel. */
export function composeSealed(input: ComposeInput): Uint8Array {
  const recipientKey = decodeAddress(input.address)
  const sealed = seal({
    sender: input.sender,
    recipientKey,
    body: new TextEncoder().encode(input.body),
    sentAt: input.now,
    kind: input.kind
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

export interface MlsEnvelopeInput {
  outgoing: Outgoing[]
  /** The priority asked for application messages; commits and Welcomes always travel as critical. */
  priority: Priority
  now: number
  ttl: number
  maxPayloadBytes: number
}

/** Wraps each payload of the MLS layer in an envelope for its recipient. */
export function composeMlsEnvelopes(input: MlsEnvelopeInput): { content: Uint8Array; recipient: string }[] {
  return input.outgoing.map((outgoing) => {
    if (outgoing.payload.length > input.maxPayloadBytes) {
      throw new OversizeEnvelopeError(
        `the MLS message is ${outgoing.payload.length} bytes, over the limit of ${input.maxPayloadBytes}`
      )
    }
    return {
      recipient: encodeAddress(outgoing.recipientKey),
      content: createEnvelopeContent({
        tag: recipientTag(outgoing.recipientKey, epochOf(input.now)),
        expiresAt: input.now + input.ttl,
        priority: outgoing.priority === 'normal' ? input.priority : outgoing.priority,
        receiptHash: sha256(outgoing.receiptSecret),
        payload: outgoing.payload
      }).content
    }
  })
}
