import { randomBytes } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { KeyPackageBook } from '../node/src/directory/index.ts'
import type { BookLimits, KeptKeyPackage } from '../node/src/directory/index.ts'
import {
  decodeKeyPackage,
  encodeKeyPackage,
  MAX_KEY_PACKAGE_BYTES,
  verifiedKeyPackage
} from '../node/src/mls/index.ts'
import { TestFolders } from './helpers/daemons.ts'
import { keyPackage, secondsFromNow, signer } from './helpers/key-packages.ts'

const HOUR = 60 * 60 * 1000

describe('key-package directory', function () {
  this.timeout(20_000)
  const folders = new TestFolders()

  after(() => folders.removeAll())

  describe('verifiedKeyPackage', () => {
    const alice = signer('alice')

    it('takes a well-made key package, with its identity and lifetime', async () => {
      const verified = await verifiedKeyPackage(await keyPackage(alice), Date.now())
      expect(verified?.identity).to.deep.equal(alice.publicKey)
      expect(verified?.notAfter).to.equal(Number.MAX_SAFE_INTEGER)
      const bounded = await keyPackage(alice, { lifetime: { notBefore: 0n, notAfter: secondsFromNow(HOUR) } })
      expect((await verifiedKeyPackage(bounded, Date.now()))?.notAfter).to.be.within(
        Date.now(),
        Date.now() + HOUR
      )
    })

    it('refuses a flipped byte in the signature or in the init key', async () => {
      const good = decodeKeyPackage(await keyPackage(alice))
      const signature = good.signature.slice()
      signature[5] = (signature[5] ?? 0) ^ 1
      expect(await verifiedKeyPackage(encodeKeyPackage({ ...good, signature }), Date.now())).to.equal(
        undefined
      )
      const initKey = good.initKey.slice()
      initKey[3] = (initKey[3] ?? 0) ^ 1
      expect(await verifiedKeyPackage(encodeKeyPackage({ ...good, initKey }), Date.now())).to.equal(undefined)
    })

    it('refuses one whose credential names another key than the one that signs', async () => {
      const forged = await keyPackage(alice, { credentialIdentity: signer('bob').publicKey })
      expect(await verifiedKeyPackage(forged, Date.now())).to.equal(undefined)
    })

    it('refuses one outside its lifetime', async () => {
      const expired = await keyPackage(alice, {
        lifetime: { notBefore: 0n, notAfter: secondsFromNow(-HOUR) }
      })
      expect(await verifiedKeyPackage(expired, Date.now())).to.equal(undefined)
      const early = await keyPackage(alice, {
        lifetime: { notBefore: secondsFromNow(HOUR), notAfter: secondsFromNow(2 * HOUR) }
      })
      expect(await verifiedKeyPackage(early, Date.now())).to.equal(undefined)
    })

    it('refuses garbage, a truncation and an oversize key package that is otherwise valid', async () => {
      const good = await keyPackage(alice)
      expect(await verifiedKeyPackage(new Uint8Array(randomBytes(300)), Date.now())).to.equal(undefined)
      expect(await verifiedKeyPackage(new Uint8Array(0), Date.now())).to.equal(undefined)
      expect(await verifiedKeyPackage(good.subarray(0, good.length - 1), Date.now())).to.equal(undefined)
      const large = await keyPackage(alice, { padding: MAX_KEY_PACKAGE_BYTES })
      expect(large.length).to.be.above(MAX_KEY_PACKAGE_BYTES)
      expect(await verifiedKeyPackage(large, Date.now())).to.equal(undefined)
      const fits = await keyPackage(alice, { padding: 2000 })
      expect(await verifiedKeyPackage(fits, Date.now())).not.to.equal(undefined)
    })
  })

  describe('KeyPackageBook', () => {
    const now = 1_000_000
    const limits: BookLimits = { maxIdentities: 3, perIdentity: 3 }
    const identities = Array.from({ length: 5 }, (_, i) => new Uint8Array(32).fill(i + 1))

    /** A stand-in key package: the book keeps what it is given, verification comes before it. */
    function kept(identity: Uint8Array, notAfter = now + HOUR): KeptKeyPackage {
      return { identity, keyPackage: new Uint8Array(randomBytes(100)), notAfter }
    }

    async function open(
      path?: string,
      at = now,
      bookLimits = limits
    ): Promise<{ book: KeyPackageBook; path: string }> {
      const folder = path ?? join(await folders.make('qpq-directory-'), 'directory')
      return { book: await KeyPackageBook.open(folder, bookLimits, at), path: folder }
    }

    it('keeps at most three key packages per identity, the newest, and hands out unused ones first', async () => {
      const { book } = await open()
      const four = [kept(identities[0]!), kept(identities[0]!), kept(identities[0]!), kept(identities[0]!)]
      for (const item of four) expect(await book.add([item], now)).to.equal(1)
      expect(await book.add([four[3]!], now)).to.equal(0)
      expect(book.keyPackageCount).to.equal(3)
      const handed = [
        book.lookup(identities[0]!, now),
        book.lookup(identities[0]!, now),
        book.lookup(identities[0]!, now)
      ]
      expect(handed).to.deep.equal([four[3]!.keyPackage, four[2]!.keyPackage, four[1]!.keyPackage])
      expect(book.lookup(identities[0]!, now)).to.deep.equal(four[3]!.keyPackage)
      expect(book.lookup(identities[1]!, now)).to.equal(undefined)
      await book.close()
    })

    it('evicts the identity whose key packages arrived longest ago beyond the limit', async () => {
      const { book } = await open()
      await book.add([kept(identities[0]!), kept(identities[1]!), kept(identities[2]!)], now)
      await book.add([kept(identities[0]!)], now + 1)
      await book.add([kept(identities[3]!)], now + 2)
      expect(book.size).to.equal(3)
      expect(book.lookup(identities[1]!, now)).to.equal(undefined)
      expect(book.lookup(identities[0]!, now)).not.to.equal(undefined)
      await book.add([kept(identities[4]!)], now + 3)
      expect(book.lookup(identities[2]!, now)).to.equal(undefined)
      expect(book.size).to.equal(3)
      await book.close()
    })

    it('sweeps expired key packages and serves none past its lifetime', async () => {
      const { book } = await open()
      const soon = kept(identities[0]!, now + 10)
      const later = kept(identities[0]!, now + HOUR)
      await book.add([soon, later, kept(identities[1]!, now + 10), kept(identities[2]!, now - 1)], now)
      expect(book.size).to.equal(2)
      expect(book.lookup(identities[1]!, now + 11)).to.equal(undefined)
      await book.sweep(now + 11)
      expect(book.size).to.equal(1)
      expect(book.keyPackageCount).to.equal(1)
      expect(book.lookup(identities[0]!, now + 11)).to.deep.equal(later.keyPackage)
      await book.close()
    })

    it('keeps its key packages, their order and hand-out marks across a reopen, in an owner-only folder', async () => {
      const { book, path } = await open()
      const first = kept(identities[0]!)
      const second = kept(identities[0]!)
      await book.add([first, second, kept(identities[1]!), kept(identities[2]!, now + 10)], now)
      expect(book.lookup(identities[0]!, now)).to.deep.equal(second.keyPackage)
      await book.close()
      expect((await stat(path)).mode & 0o777).to.equal(0o700)
      for (const file of ['CURRENT', 'LOCK']) expect((await stat(join(path, file))).mode & 0o077).to.equal(0)

      const { book: reopened } = await open(path, now + 11)
      expect(reopened.size).to.equal(2)
      expect(reopened.lookup(identities[0]!, now + 11)).to.deep.equal(first.keyPackage)
      await reopened.add([kept(identities[3]!), kept(identities[4]!)], now + 12)
      expect(reopened.lookup(identities[0]!, now + 12)).to.equal(undefined)
      await reopened.close()

      const { book: smaller } = await open(path, now + 13, { maxIdentities: 1, perIdentity: 3 })
      expect(smaller.size).to.equal(1)
      expect(smaller.lookup(identities[4]!, now + 13)).not.to.equal(undefined)
      await smaller.close()
    })
  })
})
