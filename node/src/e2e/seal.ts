import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import type { UserIdentity } from '../identity/index.ts'
import { SealOpenError } from './errors.ts'
import { agreeAsIdentity, agreeWithIdentity, ephemeralX25519, identityAgreement } from './keys.ts'
import { peerDecoder } from '../wire/index.ts'
import { FirstText, SealedMessage } from './sealed.pb.ts'

const sealedMessages = peerDecoder('SealedMessage', SealedMessage)

/** The FirstText a sealed message's body holds; a MalformedMessageError where it is not one. */
export const decodeFirstText = peerDecoder('FirstText', FirstText).decode

const SENDER_INFO = utf8ToBytes('qpq/seal/v1/sender')
const BODY_INFO = utf8ToBytes('qpq/seal/v1/body')
const CIPHER = 'chacha20-poly1305'
const AUTH_TAG_BYTES = 16
const KEY_BYTES = 32
/** Each key below encrypts exactly one message, so a fixed nonce is safe. */
const NONCE = new Uint8Array(12)
const SEALED_SENDER_BYTES = KEY_BYTES + AUTH_TAG_BYTES

/** What a sealed payload carries: the key-package exchange that bootstraps MLS, or a first text (a FirstText). */
export type SealedKind = 'key-package-request' | 'key-package' | 'first-text'

const KINDS: Record<SealedKind, SealedMessage.Kind> = {
  'key-package-request': SealedMessage.Kind.KEY_PACKAGE_REQUEST,
  'key-package': SealedMessage.Kind.KEY_PACKAGE,
  'first-text': SealedMessage.Kind.FIRST_TEXT
}

export interface SealInput {
  sender: UserIdentity
  recipientKey: Uint8Array
  body: Uint8Array
  sentAt: number
  kind: SealedKind
}

export interface Sealed {
  payload: Uint8Array
  receiptSecret: Uint8Array
}

export interface Opened {
  kind: SealedKind
  senderKey: Uint8Array
  body: Uint8Array
  sentAt: number
  receiptSecret: Uint8Array
}

/**
 * Seals `body` for the recipient's identity key, one way, in the manner of
 * Noise's X pattern: an ephemeral X25519 key hides the sender's identity key
 * from everyone but the recipient (e, es, s), and the body's key also mixes
 * the static-static agreement (ss), so only the holder of the sender's key
 * (or the recipient itself) can have made it. Per message: one ephemeral key
 * and one agreement on each side; the ss agreement is cached per pair.
 *
 * payload = e (32) ‖ seal_k1(sender key) (48) ‖ seal_k2(SealedMessage)
 */
export function seal({ sender, recipientKey, body, sentAt, kind }: SealInput): Sealed {
  const ephemeral = ephemeralX25519()
  const es = agreeWithIdentity(ephemeral.privateKey, recipientKey)
  const ss = identityAgreement(sender.secretKey, recipientKey)
  const context = concatBytes(ephemeral.publicKey, recipientKey)
  const senderBox = encrypt(derive(es, context, SENDER_INFO), sender.publicKey)
  const receiptSecret = new Uint8Array(randomBytes(32))
  const plaintext = SealedMessage.encode({ sentAt: BigInt(sentAt), receiptSecret, body, kind: KINDS[kind] })
  const bodyBox = encrypt(
    derive(concatBytes(es, ss), concatBytes(context, sender.publicKey), BODY_INFO),
    plaintext
  )
  return { payload: concatBytes(ephemeral.publicKey, senderBox, bodyBox), receiptSecret }
}

/** Decrypts and authenticates a sealed payload addressed to `recipient`. */
export function open(recipient: UserIdentity, payload: Uint8Array): Opened {
  if (payload.length < KEY_BYTES + SEALED_SENDER_BYTES + AUTH_TAG_BYTES) {
    throw new SealOpenError('sealed payload too short')
  }
  const ephemeralKey = payload.subarray(0, KEY_BYTES)
  const senderBox = payload.subarray(KEY_BYTES, KEY_BYTES + SEALED_SENDER_BYTES)
  const bodyBox = payload.subarray(KEY_BYTES + SEALED_SENDER_BYTES)
  const context = concatBytes(ephemeralKey, recipient.publicKey)
  let plaintext: Uint8Array
  let senderKey: Uint8Array
  try {
    const es = agreeAsIdentity(recipient.secretKey, ephemeralKey)
    senderKey = decrypt(derive(es, context, SENDER_INFO), senderBox)
    const ss = identityAgreement(recipient.secretKey, senderKey)
    plaintext = decrypt(derive(concatBytes(es, ss), concatBytes(context, senderKey), BODY_INFO), bodyBox)
  } catch {
    throw new SealOpenError('sealed payload does not decrypt for this identity, or was altered')
  }
  let message: SealedMessage
  try {
    message = sealedMessages.decode(plaintext)
  } catch {
    throw new SealOpenError('sealed payload has a malformed inner message')
  }
  const kind = (Object.keys(KINDS) as SealedKind[]).find((name) => KINDS[name] === message.kind)
  if (kind === undefined) throw new SealOpenError('sealed payload of an unknown kind')
  return {
    kind,
    senderKey,
    body: message.body,
    sentAt: Number(message.sentAt),
    receiptSecret: message.receiptSecret
  }
}

function derive(secret: Uint8Array, salt: Uint8Array, info: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, salt, info, KEY_BYTES))
}

function encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv(CIPHER, key, NONCE, { authTagLength: AUTH_TAG_BYTES })
  return concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag())
}

function decrypt(key: Uint8Array, box: Uint8Array): Uint8Array {
  const decipher = createDecipheriv(CIPHER, key, NONCE, { authTagLength: AUTH_TAG_BYTES })
  decipher.setAuthTag(box.subarray(box.length - AUTH_TAG_BYTES))
  return concatBytes(decipher.update(box.subarray(0, box.length - AUTH_TAG_BYTES)), decipher.final())
}
