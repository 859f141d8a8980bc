import { defaultCapabilities, defaultLifetime, generateKeyPackageWithKey } from 'ts-mls'
import type { Lifetime } from 'ts-mls'
import { generateUserIdentity } from '../../node/src/identity/index.ts'
import { ciphersuite, encodeKeyPackage } from '../../node/src/mls/index.ts'

export interface Signer {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export function signer(name = 'someone'): Signer {
  const { publicKey, secretKey } = generateUserIdentity(name)
  return { publicKey, secretKey }
}

export interface KeyPackageOptions {
  lifetime?: Lifetime
  /** The identity the credential names; by default the signer's own key. */
  credentialIdentity?: Uint8Array
  /** Bytes of an extra key-package extension, to make a key package of a chosen size. */
  padding?: number
}

/** An encoded key package signed by `by`, with what tests need to make it wrong on purpose. */
export async function keyPackage(by: Signer, options: KeyPackageOptions = {}): Promise<Uint8Array> {
  const { publicPackage } = await generateKeyPackageWithKey(
    { credentialType: 'basic', identity: options.credentialIdentity ?? by.publicKey },
    defaultCapabilities(),
    options.lifetime ?? defaultLifetime,
    options.padding === undefined
      ? []
      : [{ extensionType: 0xff00, extensionData: new Uint8Array(options.padding) }],
    { signKey: by.secretKey, publicKey: by.publicKey },
    await ciphersuite()
  )
  return encodeKeyPackage(publicPackage)
}

/** Unix seconds `ms` milliseconds from now, as a key-package lifetime bound. */
export function secondsFromNow(ms: number): bigint {
  return BigInt(Math.floor((Date.now() + ms) / 1000))
}
