import { createHash } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { DIGEST_BYTES, MAX_ANSWER_BYTES, MAX_ANSWER_KEY_PACKAGES, MAX_SUMMARY_DIGESTS } from './constants.ts'
import type { IdentityRecord } from './records.pb.ts'
import { DirectoryStore } from './store.ts'

export interface BookLimits {
  /** Identities kept; beyond it the one whose key packages arrived longest ago goes. */
  maxIdentities: number
  /** Key packages kept per identity; beyond it the oldest goes. */
  perIdentity: number
}

/** A verified key package to keep: whose it is and until when it may be used (Unix ms). */
export interface KeptKeyPackage {
  identity: Uint8Array
  keyPackage: Uint8Array
  notAfter: number
}

interface Held {
  keyPackage: Uint8Array
  /** Hex SHA-256 of `keyPackage`. */
  hash: string
  notAfter: number
  handedOut: boolean
}

interface Person {
  identity: Uint8Array
  /** Oldest first. */
  held: Held[]
  seenAt: number
}

const log = logger('qpq:directory')

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Hex SHA-256 of an encoded key package: how the directory tells key packages apart. */
export function keyPackageHash(keyPackage: Uint8Array): string {
  return createHash('sha256').update(keyPackage).digest('hex')
}

/** What a summary carries per identity: a short hash over its identity key and its key packages' hashes. */
export function setDigest(identity: Uint8Array, keyPackages: Uint8Array[]): Uint8Array {
  const digest = createHash('sha256').update(identity)
  for (const hash of keyPackages.map(keyPackageHash).sort()) digest.update(hash, 'hex')
  return new Uint8Array(digest.digest().subarray(0, DIGEST_BYTES))
}

/**
 * The key packages a node learned from the mesh, bounded per identity and in identities, in memory and in
 * its LevelDB alike. Only verified key packages come in ({@link KeptKeyPackage}); expired ones are swept.
 * Writes go out one after the other in the order the changes were made.
 */
export class KeyPackageBook {
  /** In the order their key packages last arrived, the longest ago first. */
  private readonly people = new Map<string, Person>()
  private readonly hashes = new Set<string>()
  private writes: Promise<void> = Promise.resolve()
  /** Identities evicted for the identity limit since the book opened. */
  private evictions = 0

  private constructor(
    private readonly store: DirectoryStore,
    private readonly limits: BookLimits,
    private readonly keep: (identity: Uint8Array) => boolean
  ) {}

  /**
   * Opens (or creates) the book at `path`, dropping what expired or what the limits no longer allow.
   * `keep` tells the identities evicted only once no other is left to evict (those this user talks with),
   * so made-up identities pushed by peers cannot churn them out.
   */
  static async open(
    path: string,
    limits: BookLimits,
    now: number,
    keep: (identity: Uint8Array) => boolean = () => false
  ): Promise<KeyPackageBook> {
    const store = new DirectoryStore(path)
    await store.open()
    const book = new KeyPackageBook(store, limits, keep)
    const { records, broken } = await store.records()
    records.sort(([, a], [, b]) => Number(a.seenAt - b.seenAt))
    const changes = new Map<string, IdentityRecord | undefined>(broken.map((key) => [key, undefined]))
    for (const [key, record] of records) {
      const held = record.keyPackages.map((stored) => ({
        keyPackage: stored.keyPackage,
        hash: keyPackageHash(stored.keyPackage),
        notAfter: Number(stored.notAfter),
        handedOut: stored.handedOut
      }))
      const person = {
        identity: new Uint8Array(Buffer.from(key, 'hex')),
        held,
        seenAt: Number(record.seenAt)
      }
      book.people.set(key, person)
      for (const { hash } of held) book.hashes.add(hash)
      if (book.trim(person)) changes.set(key, toRecord(person))
    }
    book.evict(changes)
    book.sweepInto(now, changes)
    await book.persist(changes)
    return book
  }

  /** Identities held. */
  get size(): number {
    return this.people.size
  }

  /** Identities evicted for the identity limit since the book opened. */
  get evicted(): number {
    return this.evictions
  }

  /** Key packages held, all identities together. */
  get keyPackageCount(): number {
    return this.hashes.size
  }

  /** Whether this very key package is held already (it need not be verified again). */
  has(hash: string): boolean {
    return this.hashes.has(hash)
  }

  /** Keeps what is new and unexpired among `keyPackages`; resolves with how many were new. */
  async add(keyPackages: KeptKeyPackage[], now: number): Promise<number> {
    const changes = new Map<string, IdentityRecord | undefined>()
    let added = 0
    for (const { identity, keyPackage, notAfter } of keyPackages) {
      const hash = keyPackageHash(keyPackage)
      if (this.hashes.has(hash) || notAfter < now) continue
      const key = hex(identity)
      const person = this.people.get(key) ?? { identity, held: [], seenAt: now }
      person.held.push({ keyPackage, hash, notAfter, handedOut: false })
      person.seenAt = now
      this.hashes.add(hash)
      this.people.delete(key)
      this.people.set(key, person)
      this.trim(person)
      changes.set(key, toRecord(person))
      added++
    }
    this.evict(changes)
    await this.persist(changes)
    return added
  }

  /**
   * An unexpired key package of `identity`: the newest not handed out yet, or else the newest. It is marked
   * handed out (the mark is written in the background).
   */
  lookup(identity: Uint8Array, now: number): Uint8Array | undefined {
    const key = hex(identity)
    const person = this.people.get(key)
    if (person === undefined) return undefined
    const usable = person.held.filter((held) => held.notAfter >= now).reverse()
    const chosen = usable.find((held) => !held.handedOut) ?? usable[0]
    if (chosen === undefined) return undefined
    if (!chosen.handedOut) {
      chosen.handedOut = true
      // A failed write is logged by the chain; the mark holds in memory either way.
      this.persist(new Map([[key, toRecord(person)]])).catch(() => undefined)
    }
    return chosen.keyPackage
  }

  /** Drops expired key packages, and identities left with none. */
  sweep(now: number): Promise<void> {
    const changes = new Map<string, IdentityRecord | undefined>()
    this.sweepInto(now, changes)
    return this.persist(changes)
  }

  /** A summary of what is held: one digest per identity, the most recently seen first. */
  digests(): Uint8Array[] {
    return [...this.people.values()]
      .reverse()
      .slice(0, MAX_SUMMARY_DIGESTS)
      .map((person) => setDigest(person.identity, keyPackagesOf(person)))
  }

  /**
   * Key packages for a peer whose summary holds `digests` (hex): `own` first (this node's user's, its
   * digest precomputed), then those of each identity the peer holds otherwise or not at all, the most recently
   * seen first, as many as MAX_ANSWER_KEY_PACKAGES and MAX_ANSWER_BYTES allow; an identity goes whole or not at all.
   */
  answer(digests: ReadonlySet<string>, own: { digest: Uint8Array; keyPackages: Uint8Array[] }): Uint8Array[] {
    const out: Uint8Array[] = []
    let bytes = 0
    const offer = (keyPackages: Uint8Array[]): boolean => {
      const size = keyPackages.reduce((sum, keyPackage) => sum + keyPackage.length, 0)
      if (out.length + keyPackages.length > MAX_ANSWER_KEY_PACKAGES || bytes + size > MAX_ANSWER_BYTES)
        return false
      out.push(...keyPackages)
      bytes += size
      return true
    }
    if (own.keyPackages.length > 0 && !digests.has(hex(own.digest))) offer(own.keyPackages)
    for (const person of [...this.people.values()].reverse()) {
      const keyPackages = keyPackagesOf(person)
      if (digests.has(hex(setDigest(person.identity, keyPackages)))) continue
      if (!offer(keyPackages)) break
    }
    return out
  }

  /** Waits for the writes under way, then closes the store. */
  async close(): Promise<void> {
    await this.writes
    await this.store.close()
  }

  /** Drops the oldest key packages beyond the per-identity limit; whether any went. */
  private trim(person: Person): boolean {
    const excess = person.held.length - this.limits.perIdentity
    if (excess <= 0) return false
    for (const { hash } of person.held.splice(0, excess)) this.hashes.delete(hash)
    return true
  }

  /** Drops the identities seen longest ago beyond the identity limit, those to keep last. */
  private evict(changes: Map<string, IdentityRecord | undefined>): void {
    for (const evictKept of [false, true]) {
      for (const [key, person] of this.people) {
        if (this.people.size <= this.limits.maxIdentities) return
        if (!evictKept && this.keep(person.identity)) continue
        this.forget(key, changes)
        this.evictions++
      }
    }
  }

  private sweepInto(now: number, changes: Map<string, IdentityRecord | undefined>): void {
    for (const [key, person] of this.people) {
      const expired = person.held.filter((held) => held.notAfter < now)
      if (expired.length === 0) continue
      if (expired.length === person.held.length) {
        this.forget(key, changes)
        continue
      }
      for (const { hash } of expired) this.hashes.delete(hash)
      person.held = person.held.filter((held) => held.notAfter >= now)
      changes.set(key, toRecord(person))
    }
  }

  private forget(key: string, changes: Map<string, IdentityRecord | undefined>): void {
    const person = this.people.get(key)
    if (person === undefined) return
    for (const { hash } of person.held) this.hashes.delete(hash)
    this.people.delete(key)
    changes.set(key, undefined)
  }

  /** Queues a write after those under way; a failed one is logged and does not hold up the next. */
  private persist(changes: Map<string, IdentityRecord | undefined>): Promise<void> {
    if (changes.size === 0) return this.writes
    const write = this.writes.then(() => this.store.write(changes))
    this.writes = write.catch((err: unknown) => {
      log.error('writing the key-package directory failed: %e', err)
    })
    return write
  }
}

function keyPackagesOf(person: Person): Uint8Array[] {
  return person.held.map((held) => held.keyPackage)
}

function toRecord(person: Person): IdentityRecord {
  return {
    keyPackages: person.held.map((held) => ({
      keyPackage: held.keyPackage,
      notAfter: BigInt(held.notAfter),
      handedOut: held.handedOut
    })),
    seenAt: BigInt(person.seenAt)
  }
}
