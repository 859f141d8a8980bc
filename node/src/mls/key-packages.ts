import type { KeyPackage } from 'ts-mls'
import { decodeKeyPackage, encodeKeyPackage } from './client.ts'
import type { KeyPackageBundle, MlsClient, MlsIdentity } from './client.ts'
import { GroupCommandError } from './errors.ts'
import { INVITE_PREFIX } from './invite-text.ts'
import { b64, fromB64 } from './store.ts'
import type { MlsStore } from './store.ts'
import { toHex } from '../wire/index.ts'

/** One-time key packages kept ready beside the last-resort one. */
const ONE_TIME_KEY_PACKAGES = 5
/** One-time key packages among those made known to the mesh: the others stay for invites. */
const ANNOUNCED_ONE_TIME_KEY_PACKAGES = 2
/**
 * How long a used one-time key package stays able to open Welcomes: copies of it may travel in the mesh (the
 * key-package directory, an invite handed to two people), so a second sender who used it must still get in.
 * Thirty days: the longest TTL an envelope may carry.
 */
const USED_KEY_PACKAGE_GRACE_MS = 30 * 24 * 60 * 60 * 1000

interface StoredKeyPackage {
  keyPackage: string
  initPrivateKey: string
  hpkePrivateKey: string
  lastResort: boolean
  handedOut: boolean
  /** Unix ms when a Welcome first used this one-time key package; it is forgotten a grace period later. */
  usedAt?: number
}

interface Entry {
  bundle: KeyPackageBundle
  stored: StoredKeyPackage
}

const record = (ref: string, stored: StoredKeyPackage): [string, Uint8Array] => [
  ref,
  new TextEncoder().encode(JSON.stringify(stored))
]

/** An invite: this user's address and a key package, as text to hand over out of band. */
export function decodeInvite(invite: string): KeyPackage {
  if (!invite.startsWith(INVITE_PREFIX)) throw new GroupCommandError(`an invite starts with ${INVITE_PREFIX}`)
  try {
    return decodeKeyPackage(new Uint8Array(Buffer.from(invite.slice(INVITE_PREFIX.length), 'base64url')))
  } catch {
    throw new GroupCommandError('the invite does not decode')
  }
}

/**
 * This user's key packages with their private keys: ONE_TIME_KEY_PACKAGES one-time ones and a last-resort
 * one of the configured suite, refilled as they are handed out or used; those of another suite stay until
 * used, to open the Welcomes that may still come for them.
 */
export class KeyPackageStock {
  private readonly entries = new Map<string, Entry>()

  /** @param client works in the suite of the key packages to hand out */
  constructor(
    private readonly identity: MlsIdentity,
    private readonly client: MlsClient,
    private readonly store: MlsStore
  ) {}

  async load(now: number): Promise<void> {
    for (const [ref, value] of await this.store.keyPackageRecords()) {
      const stored = JSON.parse(new TextDecoder().decode(value)) as StoredKeyPackage
      const keyPackage = decodeKeyPackage(fromB64(stored.keyPackage))
      this.entries.set(ref, {
        stored,
        bundle: {
          keyPackage,
          ref: new Uint8Array(Buffer.from(ref, 'hex')),
          privatePackage: {
            initPrivateKey: fromB64(stored.initPrivateKey),
            hpkePrivateKey: fromB64(stored.hpkePrivateKey),
            signaturePrivateKey: this.identity.secretKey
          }
        }
      })
    }
    await this.forgetUsed(now)
    await this.refill()
  }

  private current(bundle: KeyPackageBundle): boolean {
    return bundle.keyPackage.cipherSuite === this.client.suite.name
  }

  /** Forgets the used one-time key packages whose grace period is over. */
  private async forgetUsed(now: number): Promise<void> {
    const over = [...this.entries.entries()].filter(
      ([, { stored }]) => stored.usedAt !== undefined && now - stored.usedAt > USED_KEY_PACKAGE_GRACE_MS
    )
    for (const [ref, { bundle }] of over) {
      bundle.privatePackage.initPrivateKey.fill(0)
      this.entries.delete(ref)
    }
    if (over.length > 0) await this.store.deleteKeyPackages(over.map(([ref]) => ref))
  }

  /** Keeps ONE_TIME_KEY_PACKAGES unused one-time key packages and one last-resort one. */
  async refill(): Promise<void> {
    const entries = [...this.entries.values()].filter((entry) => this.current(entry.bundle))
    const fresh: [string, Uint8Array][] = []
    const wantLastResort = !entries.some((entry) => entry.stored.lastResort)
    const wantOneTime =
      ONE_TIME_KEY_PACKAGES - entries.filter((e) => !e.stored.lastResort && !e.stored.handedOut).length
    for (let i = 0; i < wantOneTime + (wantLastResort ? 1 : 0); i++) {
      const bundle = await this.client.createKeyPackage()
      const stored: StoredKeyPackage = {
        keyPackage: b64(encodeKeyPackage(bundle.keyPackage)),
        initPrivateKey: b64(bundle.privatePackage.initPrivateKey),
        hpkePrivateKey: b64(bundle.privatePackage.hpkePrivateKey),
        lastResort: wantLastResort && i === 0,
        handedOut: false
      }
      this.entries.set(toHex(bundle.ref), { bundle, stored })
      fresh.push(record(toHex(bundle.ref), stored))
    }
    if (fresh.length > 0) await this.store.putKeyPackages(fresh)
  }

  /** An invite carrying a one-time key package, which is then no longer handed out again. */
  async invite(): Promise<string> {
    return INVITE_PREFIX + Buffer.from(await this.handOut()).toString('base64url')
  }

  /** One of our one-time key packages, encoded, marked as handed out (it goes out once). */
  async handOut(): Promise<Uint8Array> {
    const found = [...this.entries.entries()].find(
      ([, e]) => this.current(e.bundle) && !e.stored.lastResort && !e.stored.handedOut
    )
    if (found === undefined) throw new Error('no key package to hand out')
    const [ref, { bundle, stored }] = found
    const handedOut = { ...stored, handedOut: true }
    this.entries.set(ref, { bundle, stored: handedOut })
    await this.store.putKeyPackages([record(ref, handedOut)])
    await this.refill()
    return encodeKeyPackage(bundle.keyPackage)
  }

  /**
   * The key packages this user makes known to the mesh (encoded): the last-resort one of the current suite and
   * up to ANNOUNCED_ONE_TIME_KEY_PACKAGES one-time ones not handed out yet.
   */
  announced(): Uint8Array[] {
    const current = [...this.entries.values()].filter((entry) => this.current(entry.bundle))
    const lastResort = current.filter((entry) => entry.stored.lastResort)
    const oneTime = current
      .filter((entry) => !entry.stored.lastResort && !entry.stored.handedOut)
      .slice(0, ANNOUNCED_ONE_TIME_KEY_PACKAGES)
    return [...lastResort, ...oneTime].map((entry) => fromB64(entry.stored.keyPackage))
  }

  /** The key package a Welcome names by its ref, with its private keys. */
  bundle(ref: Uint8Array): KeyPackageBundle | undefined {
    return this.entries.get(toHex(ref))?.bundle
  }

  /**
   * Marks a one-time key package as used by a Welcome, the first time: it is never handed out again but kept
   * for USED_KEY_PACKAGE_GRACE_MS, as another copy of it may be on its way. Returns its record to store with
   * the group it opened, undefined when there is nothing to mark (then {@link refill} is not needed either).
   */
  markUsed(ref: string, now: number): [string, Uint8Array] | undefined {
    const entry = this.entries.get(ref)
    if (entry === undefined || entry.stored.lastResort || entry.stored.usedAt !== undefined) return undefined
    const stored = { ...entry.stored, usedAt: now, handedOut: true }
    this.entries.set(ref, { ...entry, stored })
    return record(ref, stored)
  }
}
