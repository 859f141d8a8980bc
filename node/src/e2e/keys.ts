import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/**
 * X25519 on Node's native crypto, with key objects, Ed25519 → X25519
 * conversions and identity-to-identity agreements cached: the pure-JS curves
 * manage a few hundred messages per second, native ones thousands.
 */

/** Keys kept per cache; a node talks to far fewer correspondents at once. */
const CACHE_ENTRIES = 4096

class KeyCache<T> {
  private readonly entries = new Map<string, T>()

  get(key: Uint8Array, make: () => T): T {
    const id = bytesToHex(key)
    let value = this.entries.get(id)
    if (value === undefined) {
      if (this.entries.size >= CACHE_ENTRIES) this.entries.clear()
      value = make()
      this.entries.set(id, value)
    }
    return value
  }
}

const agreementPublicKeys = new KeyCache<KeyObject>()
const agreementPrivateKeys = new KeyCache<KeyObject>()
const identityAgreements = new KeyCache<Uint8Array>()

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

function okpPublic(crv: 'Ed25519' | 'X25519', x: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv, x: b64(x) }, format: 'jwk' })
}

/** A fresh X25519 key pair: the private key object and the raw public key. */
export function ephemeralX25519(): { privateKey: KeyObject; publicKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519')
  const { x } = publicKey.export({ format: 'jwk' })
  return { privateKey, publicKey: Buffer.from(x ?? '', 'base64url') }
}

/** X25519 with the X25519 form of an Ed25519 identity key. */
export function agreeWithIdentity(privateKey: KeyObject, identityKey: Uint8Array): Uint8Array {
  const publicKey = agreementPublicKeys.get(identityKey, () =>
    okpPublic('X25519', ed25519.utils.toMontgomery(identityKey))
  )
  return diffieHellman({ privateKey, publicKey })
}

/** X25519 from an Ed25519 identity's secret key with a raw X25519 public key. */
export function agreeAsIdentity(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return diffieHellman({
    privateKey: identityPrivateKey(secretKey),
    publicKey: okpPublic('X25519', publicKey)
  })
}

/** X25519 between two Ed25519 identities: the same from either side, so it is cached per pair. */
export function identityAgreement(secretKey: Uint8Array, otherIdentityKey: Uint8Array): Uint8Array {
  const pair = new Uint8Array(secretKey.length + otherIdentityKey.length)
  pair.set(secretKey)
  pair.set(otherIdentityKey, secretKey.length)
  return identityAgreements.get(pair, () =>
    agreeWithIdentity(identityPrivateKey(secretKey), otherIdentityKey)
  )
}

function identityPrivateKey(secretKey: Uint8Array): KeyObject {
  return agreementPrivateKeys.get(secretKey, () => {
    const d = ed25519.utils.toMontgomerySecret(secretKey)
    const x = ed25519.utils.toMontgomery(ed25519.getPublicKey(secretKey))
    return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64(d), x: b64(x) }, format: 'jwk' })
  })
}
