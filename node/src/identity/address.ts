import { bech32m } from '@scure/base'
import { ADDRESS_PREFIX } from './constants.ts'
import { InvalidAddressError } from './errors.ts'

const PUBLIC_KEY_BYTES = 32
/** bech32m's own limit is 90 characters; an address is 62. */
const MAX_ADDRESS_LENGTH = 90

/** Encodes an Ed25519 public key as a checksummed address: `qpq1…` (bech32m). */
export function encodeAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidAddressError(`a public key has ${PUBLIC_KEY_BYTES} bytes, got ${publicKey.length}`)
  }
  return bech32m.encode(ADDRESS_PREFIX, bech32m.toWords(publicKey), MAX_ADDRESS_LENGTH)
}

/** Decodes an address back to the Ed25519 public key it carries, checking the checksum. */
export function decodeAddress(address: string): Uint8Array {
  const text = address.trim().toLowerCase()
  if (!text.startsWith(`${ADDRESS_PREFIX}1`)) {
    throw new InvalidAddressError(`"${address}" is not a qpq address (they start with "${ADDRESS_PREFIX}1")`)
  }
  let words: number[]
  try {
    words = bech32m.decode(text as `${string}1${string}`, MAX_ADDRESS_LENGTH).words
  } catch (err) {
    throw new InvalidAddressError(
      `"${address}" is not a valid qpq address (${(err as Error).message}); check for a typo`
    )
  }
  const publicKey = bech32m.fromWords(words)
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidAddressError(`"${address}" carries ${publicKey.length} bytes, not a 32-byte key`)
  }
  return publicKey
}
