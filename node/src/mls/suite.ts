import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  hash,
  randomBytes,
  timingSafeEqual
} from 'node:crypto'
import { defaultCryptoProvider, getCiphersuiteFromName } from 'ts-mls'
import type { CiphersuiteImpl, CiphersuiteName, Hash, Hpke, Kdf } from 'ts-mls'
import { chacha20Poly1305, ed25519Signature } from './sodium.ts'

/**
 * The ciphersuite ts-mls runs on, backed by synchronous native calls. ts-mls's own WebCrypto suite spends
 * most of an application message re-importing HMAC and Ed25519 keys and waiting on `crypto.subtle` promises;
 * here hashing, HMAC, HKDF and AES-GCM are `node:crypto` calls, Ed25519 and ChaCha20-Poly1305 libsodium's
 * (`sodium.ts`). HPKE (used by commits and Welcomes, not by application messages) stays ts-mls's own, with the
 * AEAD swapped for the native one.
 */

export const DEFAULT_SUITE: CiphersuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'

type Aead = Pick<Hpke, 'encryptAead' | 'decryptAead'>

/** Suites with a native implementation here. */
const NATIVE: Partial<Record<CiphersuiteName, { hash: 'sha256'; blockBytes: number; aead: Aead }>> = {
  MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: {
    hash: 'sha256',
    blockBytes: 64,
    aead: nodeAead('aes-128-gcm')
  },
  MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519: {
    hash: 'sha256',
    blockBytes: 64,
    aead: chacha20Poly1305
  }
}

const AEAD_TAG_BYTES = 16

function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

/**
 * `hash(…, 'buffer')` resolves that encoding name on a slow path that costs several times the hashing of a
 * block; hex takes the fast path, and decoding it back is cheap.
 */
function digestBytes(algorithm: string, data: Uint8Array): Buffer {
  return Buffer.from(hash(algorithm, data, 'hex'), 'hex')
}

/** A MAC over the concatenation of `parts`, so that callers need not concatenate first. */
type Mac = (key: Uint8Array, parts: Uint8Array[]) => Buffer

/**
 * HMAC (RFC 2104) from two plain hashes: `createHmac` imports its key into a key object on every call, which
 * costs three times the hashing, and MLS keys a MAC with a fresh secret almost every time.
 */
function hmacWith(algorithm: string, blockBytes: number): Mac {
  const padded = (key: Uint8Array, pad: number, parts: Uint8Array[]): Buffer => {
    const length = parts.reduce((sum, part) => sum + part.length, blockBytes)
    const block = Buffer.allocUnsafe(length).fill(pad, 0, blockBytes)
    for (let i = 0; i < key.length; i++) block[i] = (key[i] ?? 0) ^ pad
    let offset = blockBytes
    for (const part of parts) {
      block.set(part, offset)
      offset += part.length
    }
    return block
  }
  return (key, parts) => {
    const short = key.length > blockBytes ? digestBytes(algorithm, key) : key
    const inner = digestBytes(algorithm, padded(short, 0x36, parts))
    return digestBytes(algorithm, padded(short, 0x5c, [inner]))
  }
}

function nativeHash(algorithm: string, mac: Mac): Hash {
  return {
    digest: (data) => Promise.resolve(bytes(digestBytes(algorithm, data))),
    mac: (key, data) => Promise.resolve(bytes(mac(key, [data]))),
    verifyMac(key, tag, data) {
      const expected = mac(key, [data])
      return Promise.resolve(expected.length === tag.length && timingSafeEqual(expected, tag))
    }
  }
}

/** HKDF (RFC 5869) as two steps, as MLS uses them: `hkdfSync` only offers both at once. */
function nativeKdf(algorithm: string, mac: Mac): Kdf {
  const size = createHash(algorithm).digest().length
  return {
    size,
    extract: (salt, ikm) => Promise.resolve(bytes(mac(salt, [ikm]))),
    expand(prk, info, length) {
      // T(i) = HMAC(prk, T(i-1) | info | i); MLS asks for one block or less almost always.
      let block = mac(prk, [info, Uint8Array.of(1)])
      const blocks = [block]
      for (let counter = 2; blocks.length * size < length; counter++) {
        block = mac(prk, [block, info, Uint8Array.of(counter)])
        blocks.push(block)
      }
      const okm = blocks.length === 1 ? block : Buffer.concat(blocks)
      return Promise.resolve(bytes(okm.subarray(0, length)))
    }
  }
}

/** A raw key given to a cipher is wrapped in a key object on each call at several times the cost of `createSecretKey`. */
function nodeAead(cipher: 'aes-128-gcm'): Aead {
  return {
    encryptAead(key, nonce, aad, plaintext) {
      const c = createCipheriv(cipher, createSecretKey(key), nonce, { authTagLength: AEAD_TAG_BYTES })
      if (aad !== undefined) c.setAAD(aad)
      return Promise.resolve(bytes(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])))
    },
    decryptAead(key, nonce, aad, ciphertext) {
      if (ciphertext.length < AEAD_TAG_BYTES)
        return Promise.reject(new Error('ciphertext shorter than its tag'))
      const d = createDecipheriv(cipher, createSecretKey(key), nonce, { authTagLength: AEAD_TAG_BYTES })
      if (aad !== undefined) d.setAAD(aad)
      d.setAuthTag(ciphertext.subarray(ciphertext.length - AEAD_TAG_BYTES))
      try {
        return Promise.resolve(
          bytes(
            Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - AEAD_TAG_BYTES)), d.final()])
          )
        )
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error('AEAD decryption failed'))
      }
    }
  }
}

/** Random bytes drawn from a refilled pool: each message asks for a 4-byte reuse guard, and a system call each is dear. */
const RANDOM_POOL_BYTES = 4096
let randomPool = randomBytes(RANDOM_POOL_BYTES)
let randomUsed = 0

function pooledRandomBytes(n: number): Uint8Array {
  if (n > RANDOM_POOL_BYTES) return bytes(randomBytes(n))
  if (randomUsed + n > RANDOM_POOL_BYTES) {
    randomPool = randomBytes(RANDOM_POOL_BYTES)
    randomUsed = 0
  }
  const out = new Uint8Array(randomPool.subarray(randomUsed, randomUsed + n))
  randomPool.fill(0, randomUsed, randomUsed + n)
  randomUsed += n
  return out
}

const suites = new Map<CiphersuiteName, Promise<CiphersuiteImpl>>()

/** The implementation of `name`: native where this module has one, ts-mls's own otherwise. */
export function ciphersuite(name: CiphersuiteName = DEFAULT_SUITE): Promise<CiphersuiteImpl> {
  let suite = suites.get(name)
  if (suite === undefined) {
    suite = makeSuite(name)
    suites.set(name, suite)
  }
  return suite
}

/** ts-mls's stock implementation (WebCrypto), for comparison and for suites without a native one. */
export function stockCiphersuite(name: CiphersuiteName = DEFAULT_SUITE): Promise<CiphersuiteImpl> {
  return defaultCryptoProvider.getCiphersuiteImpl(getCiphersuiteFromName(name))
}

async function makeSuite(name: CiphersuiteName): Promise<CiphersuiteImpl> {
  const stock = await stockCiphersuite(name)
  const native = NATIVE[name]
  if (native === undefined) return stock
  const mac = hmacWith(native.hash, native.blockBytes)
  return {
    name,
    hash: nativeHash(native.hash, mac),
    kdf: nativeKdf(native.hash, mac),
    signature: ed25519Signature,
    hpke: { ...stock.hpke, ...native.aead },
    rng: { randomBytes: pooledRandomBytes }
  }
}
