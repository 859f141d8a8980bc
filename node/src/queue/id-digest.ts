/** Finest split of the id space: 4,096 buckets, 48 kB on the wire (offering 8,192 ids costs 256 kB). */
export const MAX_DIGEST_BITS = 12
/** The digest splits finer as the store grows, keeping at most about this many ids per bucket. */
const IDS_PER_BUCKET = 2
/** Per bucket: the count of ids and two sums of 32-bit words of them, modulo 2^32. */
const WORDS = 3
/** The wire carries the words little-endian, as the platforms this runs on keep them in memory. */
const BIG_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 0

/** Ids whose first `bits` bits, read as a number, are in `buckets`. */
export interface IdBuckets {
  bits: number
  buckets: ReadonlySet<number>
}

/** The bucket of a 32-byte id when the id space is split by its first `bits` bits. */
export function bucketOf(id: Uint8Array, bits: number): number {
  return (((id[0] ?? 0) << 8) | (id[1] ?? 0)) >> (16 - bits)
}

export function inBuckets(id: Uint8Array, within: IdBuckets): boolean {
  return within.buckets.has(bucketOf(id, within.bits))
}

/**
 * A digest of a set of envelope ids, sent in the hello: the id space split
 * into 2^bits buckets by the ids' first bits, each summed up by its count and
 * two sums of the ids' words. Two nodes whose digests agree on a bucket hold
 * the same ids there (but by a chance of 2^-64 for random ids), so neither
 * offers the other what is in it: a contact of two nodes that hold thousands
 * of envelopes each, nearly all the same, offers about what differs. The
 * sums are kept up to date as ids come and go; bits grow with the set.
 */
export class IdDigest {
  private constructor(
    private bitCount: number,
    private words: Uint32Array
  ) {}

  /** The id space is split by the ids' first `bits` bits. */
  get bits(): number {
    return this.bitCount
  }

  static empty(): IdDigest {
    return new IdDigest(0, new Uint32Array(WORDS))
  }

  /**
   * Reads a peer's digest (its words, 2^bits buckets of three): undefined when the bytes are not one
   * (an older or faulty peer), and then nothing is skipped. Aligned bytes are read in place.
   */
  static decode(bytes: Uint8Array | undefined): IdDigest | undefined {
    if (bytes === undefined) return undefined
    const buckets = bytes.length / (4 * WORDS)
    const bits = Math.log2(buckets)
    if (!Number.isInteger(bits) || bits > MAX_DIGEST_BITS) return undefined
    // A copy starts at offset 0 (not `slice`, which on a Buffer, as protobuf decoding gives, is a view).
    const words = bytes.byteOffset % 4 === 0 && !BIG_ENDIAN ? bytes : new Uint8Array(bytes)
    if (BIG_ENDIAN) Buffer.from(words.buffer).swap32()
    return new IdDigest(bits, new Uint32Array(words.buffer, words.byteOffset, buckets * WORDS))
  }

  /**
   * The digest as it travels: where the platform is little-endian, a view of the live words, not a copy,
   * so it reads as the digest is when the frame is encoded (at once by the daemon; on arrival in the
   * simulator, whose frames travel as objects), which serves the peer as well. A copy per hello cost more
   * than the rest of the contact where stores are large and change between contacts. Never written to.
   */
  encode(): Uint8Array {
    const bytes = new Uint8Array(this.words.buffer, this.words.byteOffset, this.words.byteLength)
    if (!BIG_ENDIAN) return bytes
    const swapped = bytes.slice()
    Buffer.from(swapped.buffer).swap32()
    return swapped
  }

  clone(): IdDigest {
    return new IdDigest(this.bitCount, this.words.slice())
  }

  add(id: Uint8Array): void {
    this.count(id, 1)
  }

  remove(id: Uint8Array): void {
    this.count(id, -1)
  }

  /**
   * Splits finer when `size` ids would crowd the buckets: `ids` are all of
   * them, from which the sums are made again.
   */
  fit(size: number, ids: () => Iterable<Uint8Array>): void {
    let bits = this.bitCount
    while (bits < MAX_DIGEST_BITS && size > IDS_PER_BUCKET * 2 ** bits) bits++
    if (bits === this.bitCount) return
    this.bitCount = bits
    this.words = new Uint32Array(WORDS * 2 ** bits)
    for (const id of ids()) this.add(id)
  }

  /** The buckets, at the coarser of the two splits, where this digest and `other` differ. */
  differing(other: IdDigest): IdBuckets {
    const bits = Math.min(this.bitCount, other.bits)
    const ours = this.folded(bits)
    const theirs = other.folded(bits)
    const buckets = new Set<number>()
    for (let bucket = 0; bucket < 2 ** bits; bucket++) {
      const at = bucket * WORDS
      if (ours[at] !== theirs[at] || ours[at + 1] !== theirs[at + 1] || ours[at + 2] !== theirs[at + 2]) {
        buckets.add(bucket)
      }
    }
    return { bits, buckets }
  }

  private folded(bits: number): Uint32Array {
    if (bits === this.bitCount) return this.words
    const { words } = this
    const folded = new Uint32Array(WORDS * 2 ** bits)
    const shift = this.bitCount - bits
    for (let bucket = 0, at = 0; at < words.length; bucket++, at += WORDS) {
      const into = (bucket >> shift) * WORDS
      folded[into] = (folded[into] ?? 0) + (words[at] ?? 0)
      folded[into + 1] = (folded[into + 1] ?? 0) + (words[at + 1] ?? 0)
      folded[into + 2] = (folded[into + 2] ?? 0) + (words[at + 2] ?? 0)
    }
    return folded
  }

  private count(id: Uint8Array, sign: 1 | -1): void {
    const at = bucketOf(id, this.bitCount) * WORDS
    const { words } = this
    words[at] = ((words[at] ?? 0) + sign) >>> 0
    words[at + 1] = ((words[at + 1] ?? 0) + sign * wordAt(id, 4)) >>> 0
    words[at + 2] = ((words[at + 2] ?? 0) + sign * wordAt(id, 8)) >>> 0
  }
}

function wordAt(id: Uint8Array, at: number): number {
  return (
    ((id[at] ?? 0) | ((id[at + 1] ?? 0) << 8) | ((id[at + 2] ?? 0) << 16) | ((id[at + 3] ?? 0) << 24)) >>> 0
  )
}
