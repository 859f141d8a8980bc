import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { TAG_BYTES, TAG_DOMAIN, TAG_EPOCH_MS } from './constants.ts'

const domain = utf8ToBytes(TAG_DOMAIN)

export function epochOf(timeMs: number): number {
  return Math.floor(timeMs / TAG_EPOCH_MS)
}

/**
 * The recipient tag of a public key in one epoch. Anyone who knows the
 * address can compute it; a relay that does not know the address cannot tell
 * whose it is, nor link one user's tags across epochs.
 */
export function recipientTag(publicKey: Uint8Array, epoch: number): Uint8Array {
  const input = new Uint8Array(domain.length + publicKey.length + 8)
  input.set(domain, 0)
  input.set(publicKey, domain.length)
  new DataView(input.buffer).setBigUint64(domain.length + publicKey.length, BigInt(epoch))
  return sha256(input).subarray(0, TAG_BYTES)
}

/**
 * The tags under which envelopes for this key may still be travelling at
 * `nowMs`: every epoch an unexpired envelope can have been tagged in, plus the
 * next one for senders whose clock runs ahead.
 */
export function acceptedTags(publicKey: Uint8Array, nowMs: number, maxTtlMs: number): Uint8Array[] {
  const tags: Uint8Array[] = []
  for (let epoch = epochOf(nowMs - maxTtlMs); epoch <= epochOf(nowMs) + 1; epoch++) {
    tags.push(recipientTag(publicKey, epoch))
  }
  return tags
}
