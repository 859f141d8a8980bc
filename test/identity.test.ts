import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { open, seal } from '../node/src/e2e/index.ts'
import {
  acceptedTags,
  createIdentities,
  decodeAddress,
  encodeAddress,
  epochOf,
  generateUserIdentity,
  loadIdentities,
  recipientTag,
  TAG_EPOCH_MS
} from '../node/src/identity/index.ts'
import { TestFolders } from './helpers/daemons.ts'

describe('identity and addresses', () => {
  const folders = new TestFolders()
  after(async () => {
    await folders.removeAll()
  })

  it('round-trips an address and rejects a one-character typo by its checksum', () => {
    const { publicKey } = generateUserIdentity('')
    const address = encodeAddress(publicKey)
    expect(address).to.match(/^qpq1[02-9ac-hj-np-z]+$/)
    expect(decodeAddress(address)).to.deep.equal(publicKey)
    const last = address.at(-1) === 'q' ? 'p' : 'q'
    expect(() => decodeAddress(address.slice(0, -1) + last))
      .to.throw()
      .with.property('name', 'InvalidAddressError')
    expect(() => decodeAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).to.throw(/not a qpq address/)
  })

  it('writes keys owner-only and refuses to overwrite them', async () => {
    const data = await folders.make('qpq-id-')
    const created = await createIdentities(data, 'alice')
    for (const file of ['identity.key', 'node.key']) {
      expect((await stat(join(data, file))).mode & 0o777).to.equal(0o600)
    }
    const loaded = await loadIdentities(data)
    expect(loaded.user.publicKey).to.deep.equal(created.user.publicKey)
    expect(loaded.user.name).to.equal('alice')
    expect(loaded.nodeKey.equals(created.nodeKey)).to.equal(true)
    try {
      await createIdentities(data, 'mallory')
      expect.fail('overwrote an identity')
    } catch (err) {
      expect((err as Error).name).to.equal('IdentityExistsError')
    }
  })

  it('rotates recipient tags every epoch and accepts every epoch an envelope can still be alive in', () => {
    const { publicKey } = generateUserIdentity('')
    const now = 100 * TAG_EPOCH_MS + 5
    const today = recipientTag(publicKey, epochOf(now))
    expect(recipientTag(publicKey, epochOf(now) + 1)).to.not.deep.equal(today)
    const accepted = acceptedTags(publicKey, now, 3 * TAG_EPOCH_MS)
    expect(accepted).to.have.length(5)
    expect(accepted).to.deep.include(today)
    expect(accepted).to.deep.include(recipientTag(publicKey, epochOf(now) - 3))
  })
})

describe('sealed payloads', () => {
  const alice = generateUserIdentity('alice')
  const bob = generateUserIdentity('bob')
  const body = new TextEncoder().encode('meet at the water tower')

  it('opens for the recipient with the authenticated sender, the body and the receipt secret', () => {
    const sealed = seal({
      sender: alice,
      recipientKey: bob.publicKey,
      body,
      sentAt: 1234,
      kind: 'key-package'
    })
    const opened = open(bob, sealed.payload)
    expect(opened.senderKey).to.deep.equal(alice.publicKey)
    expect(opened.body).to.deep.equal(body)
    expect(opened.sentAt).to.equal(1234)
    expect(opened.receiptSecret).to.deep.equal(sealed.receiptSecret)
  })

  it('reveals neither the body nor the sender key to anyone else', () => {
    const { payload } = seal({
      sender: alice,
      recipientKey: bob.publicKey,
      body,
      sentAt: 1,
      kind: 'key-package'
    })
    expect(Buffer.from(payload).includes(Buffer.from(body))).to.equal(false)
    expect(Buffer.from(payload).includes(Buffer.from(alice.publicKey))).to.equal(false)
    expect(() => open(generateUserIdentity('eve'), payload))
      .to.throw()
      .with.property('name', 'SealOpenError')
  })

  it('rejects any flipped bit', () => {
    const { payload } = seal({
      sender: alice,
      recipientKey: bob.publicKey,
      body,
      sentAt: 1,
      kind: 'key-package'
    })
    for (const index of [0, 40, 90, payload.length - 1]) {
      const tampered = Uint8Array.from(payload)
      tampered[index] = (tampered[index] ?? 0) ^ 1
      expect(() => open(bob, tampered), `bit at ${index}`)
        .to.throw()
        .with.property('name', 'SealOpenError')
    }
  })
})
