import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import type { UserIdentity } from '../identity/index.ts'
import { SealOpenError } from './errors.ts'
import { SealedMessage } from './sealed.pb.ts'

const KEY_DOMAIN = utf8ToBytes('qpq/seal/v1')
const SIGNATURE_DOMAIN = utf8ToBytes('qpq/seal-signature/v1')
const CIPHER = 'chacha20-poly1305'
const AUTH_TAG_BYTES = 16
const EPHEMERAL_BYTES = 32
/** Each message has its own ephemeral key, hence its own AEAD key: a fixed nonce is safe. */
const NONCE = new Uint8Array(12)

export interface SealInput {
  sender: UserIdentity
  recipientKey: Uint8Array
  body: Uint8Array
  sentAt: number
}

export interface Sealed {
  payload: Uint8Array
  receiptSecret: Uint8Array
}

export interface Opened {
  senderKey: Uint8Array
  body: Uint8Array
  sentAt: number
  receiptSecret: Uint8Array
}

/**
 * Encrypts `body` to the recipient's identity key (X25519 from its Ed25519
 * key, ephemeral per message, ChaCha20-Poly1305) and signs it inside the
 * ciphertext, so only the recipient learns who sent it.
 */
export function seal({ sender, recipientKey, body, sentAt }: SealInput): Sealed {
  const ephemeral = x25519.keygen()
  const key = deriveKey(x25519.getSharedSecret(ephemeral.secretKey, ed25519.utils.toMontgomery(recipientKey)), ephemeral.publicKey, recipientKey)
  const receiptSecret = new Uint8Array(randomBytes(32))
  const signature = ed25519.sign(
    signedBytes(recipientKey, ephemeral.publicKey, sender.publicKey, sentAt, receiptSecret, body),
    sender.secretKey
  )
  const plaintext = SealedMessage.encode({
    senderKey: sender.publicKey,
    sentAt: BigInt(sentAt),
    receiptSecret,
    body,
    signature
  })
  const cipher = createCipheriv(CIPHER, key, NONCE, { authTagLength: AUTH_TAG_BYTES })
  const ciphertext = concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag())
  return { payload: concatBytes(ephemeral.publicKey, ciphertext), receiptSecret }
}

/** Decrypts and authenticates a sealed payload addressed to `recipient`. */
export function open(recipient: UserIdentity, payload: Uint8Array): Opened {
  if (payload.length < EPHEMERAL_BYTES + AUTH_TAG_BYTES) {
    throw new SealOpenError('sealed payload too short')
  }
  const ephemeralKey = payload.subarray(0, EPHEMERAL_BYTES)
  const ciphertext = payload.subarray(EPHEMERAL_BYTES, payload.length - AUTH_TAG_BYTES)
  const authTag = payload.subarray(payload.length - AUTH_TAG_BYTES)
  let plaintext: Uint8Array
  try {
    const shared = x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(recipient.secretKey), ephemeralKey)
    const decipher = createDecipheriv(CIPHER, deriveKey(shared, ephemeralKey, recipient.publicKey), NONCE, {
      authTagLength: AUTH_TAG_BYTES
    })
    decipher.setAuthTag(authTag)
    plaintext = concatBytes(decipher.update(ciphertext), decipher.final())
  } catch {
    throw new SealOpenError('sealed payload does not decrypt for this identity')
  }
  let message: SealedMessage
  try {
    message = SealedMessage.decode(plaintext)
  } catch {
    throw new SealOpenError('sealed payload has a malformed inner message')
  }
  const sentAt = Number(message.sentAt)
  const signed = signedBytes(
    recipient.publicKey,
    ephemeralKey,
    message.senderKey,
    sentAt,
    message.receiptSecret,
    message.body
  )
  if (message.senderKey.length !== 32 || !verifySignature(message.signature, signed, message.senderKey)) {
    throw new SealOpenError('sealed payload has a bad sender signature')
  }
  return { senderKey: message.senderKey, body: message.body, sentAt, receiptSecret: message.receiptSecret }
}

function deriveKey(shared: Uint8Array, ephemeralKey: Uint8Array, recipientKey: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, concatBytes(ephemeralKey, recipientKey), KEY_DOMAIN, 32)
}

function signedBytes(
  recipientKey: Uint8Array,
  ephemeralKey: Uint8Array,
  senderKey: Uint8Array,
  sentAt: number,
  receiptSecret: Uint8Array,
  body: Uint8Array
): Uint8Array {
  const time = new Uint8Array(8)
  new DataView(time.buffer).setBigUint64(0, BigInt(sentAt))
  return sha256(concatBytes(SIGNATURE_DOMAIN, recipientKey, ephemeralKey, senderKey, time, receiptSecret, body))
}

function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey)
  } catch {
    return false
  }
}
