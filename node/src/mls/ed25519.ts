import { createPrivateKey, randomFillSync } from 'node:crypto'
import sodium from 'sodium-native'
import type { Signature } from 'ts-mls'

/**
 * Ed25519 for MLS on libsodium: its verification takes about 60 % of OpenSSL's time, its signing 70 %, and the
 * two are a third of an application message's round trip. libsodium is also the stricter verifier (it refuses
 * small-order keys and non-canonical encodings).
 */

const SEED_BYTES = 32
/** Expanded secret keys kept; far more than the identities one node signs with. */
const CACHE_ENTRIES = 1024

/** libsodium signs with the 64-byte expanded key (seed and public key): expanded once per seed. */
const secretKeys = new Map<string, Buffer>()

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function expanded(seed: Uint8Array): Buffer {
  const id = view(seed).toString('base64')
  let secretKey = secretKeys.get(id)
  if (secretKey === undefined) {
    if (secretKeys.size >= CACHE_ENTRIES) {
      for (const stale of secretKeys.values()) sodium.sodium_memzero(stale)
      secretKeys.clear()
    }
    secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES)
    sodium.crypto_sign_seed_keypair(Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES), secretKey, view(seed))
    secretKeys.set(id, secretKey)
  }
  return secretKey
}

/** ts-mls hands over either the raw seed (ours) or a PKCS#8 document (keys its stock suite generated). */
function seedOf(signKey: Uint8Array): Uint8Array {
  if (signKey.length === SEED_BYTES) return signKey
  const { d } = createPrivateKey({ key: view(signKey), format: 'der', type: 'pkcs8' }).export({
    format: 'jwk'
  })
  if (d === undefined) throw new TypeError('not an Ed25519 private key')
  return Buffer.from(d, 'base64url')
}

export const ed25519Signature: Signature = {
  sign(signKey, message) {
    const signature = new Uint8Array(sodium.crypto_sign_BYTES)
    sodium.crypto_sign_detached(view(signature), view(message), expanded(seedOf(signKey)))
    return Promise.resolve(signature)
  },
  verify(publicKey, message, signature) {
    if (
      publicKey.length !== sodium.crypto_sign_PUBLICKEYBYTES ||
      signature.length !== sodium.crypto_sign_BYTES
    )
      return Promise.resolve(false)
    return Promise.resolve(
      sodium.crypto_sign_verify_detached(view(signature), view(message), view(publicKey))
    )
  },
  keygen() {
    const seed = randomFillSync(new Uint8Array(SEED_BYTES))
    const publicKey = new Uint8Array(sodium.crypto_sign_PUBLICKEYBYTES)
    const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES)
    sodium.crypto_sign_seed_keypair(view(publicKey), secretKey, view(seed))
    sodium.sodium_memzero(secretKey)
    return Promise.resolve({ signKey: seed, publicKey })
  }
}
