import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { bucketOf, IdDigest, IdSet, MAX_DIGEST_BITS } from '../node/src/queue/index.ts'
import { toHex } from '../node/src/wire/index.ts'

function ids(count: number): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(32)))
}

/** A digest kept by an IdSet, as a store keeps its envelope ids. */
function digestOf(held: Uint8Array[]): { digest: IdDigest; set: IdSet } {
  const digest = IdDigest.empty()
  const set = new IdSet(digest)
  for (const id of held) set.add(toHex(id), id)
  return { digest, set }
}

describe('id digest (what a hello tells of the ids a node holds)', () => {
  it('agrees on every bucket for the same ids, whatever order they came in', () => {
    const held = ids(300)
    const a = digestOf(held).digest
    const b = digestOf([...held].reverse()).digest
    expect(a.differing(b).buckets.size).to.equal(0)
    expect(Buffer.from(a.encode()).equals(Buffer.from(b.encode()))).to.equal(true)
  })

  it('differs exactly in the buckets of the ids only one side holds, at the coarser split of the two', () => {
    const shared = ids(1000)
    const onlyA = ids(3)
    const a = digestOf([...shared, ...onlyA]).digest
    const small = digestOf(shared.slice(0, 10))
    for (const id of shared.slice(10)) small.set.add(toHex(id), id)
    const b = small.digest
    const { bits, buckets } = a.differing(b)
    expect(bits).to.be.greaterThan(5)
    expect([...buckets].sort()).to.deep.equal([...new Set(onlyA.map((id) => bucketOf(id, bits)))].sort())
    const coarse = digestOf(shared.slice(0, 20)).digest
    const folded = a.differing(coarse)
    expect(folded.bits).to.be.lessThan(bits)
    for (const id of [...shared.slice(20), ...onlyA])
      expect(folded.buckets).to.include(bucketOf(id, folded.bits))
  })

  it('is back where it was once an id added is deleted again', () => {
    const held = ids(50)
    const { digest, set } = digestOf(held)
    const before = Buffer.from(digest.encode())
    const extra = ids(1)[0] ?? expect.fail()
    set.add(toHex(extra), extra)
    expect(Buffer.from(digest.encode()).equals(before)).to.equal(false)
    set.delete(toHex(extra))
    expect(Buffer.from(digest.encode()).equals(before)).to.equal(true)
  })

  it('reads back what it writes, in place or from unaligned bytes, and refuses what is not a digest', () => {
    const { digest } = digestOf(ids(100))
    const bytes = digest.encode()
    expect(IdDigest.decode(bytes)?.differing(digest).buckets.size).to.equal(0)
    const shifted = Buffer.alloc(bytes.length + 1)
    shifted.set(bytes, 1)
    // A Buffer at an odd offset, as protobuf decoding hands a hello's bytes field over.
    expect(IdDigest.decode(shifted.subarray(1))?.differing(digest).buckets.size).to.equal(0)
    expect(
      IdDigest.decode(new Uint8Array(shifted.buffer, shifted.byteOffset + 1, bytes.length))
    ).to.not.equal(undefined)
    expect(IdDigest.decode(undefined)).to.equal(undefined)
    expect(IdDigest.decode(new Uint8Array(0))).to.equal(undefined)
    expect(IdDigest.decode(bytes.subarray(1))).to.equal(undefined)
    expect(IdDigest.decode(new Uint8Array(12 * 3))).to.equal(undefined)
    expect(IdDigest.decode(new Uint8Array(12 * 2 ** (MAX_DIGEST_BITS + 1)))).to.equal(undefined)
  })

  it('splits finer as the set grows, up to its finest split', () => {
    const { digest, set } = digestOf([])
    const sizes: number[] = []
    ids(20_000).forEach((id, i) => {
      if (i % 1000 === 0) sizes.push(digest.encode().length)
      set.add(toHex(id), id)
    })
    sizes.push(digest.encode().length)
    expect(sizes[0]).to.equal(12)
    expect(sizes.at(-1)).to.equal(12 * 2 ** MAX_DIGEST_BITS)
  })
})
