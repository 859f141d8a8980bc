import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { fromHex, manyToHex, toHex } from '../node/src/wire/index.ts'

describe('hex ids', () => {
  it('converts one way and back, one at a time and many at once, whatever their lengths', () => {
    const ids = [32, 32, 5, 0, 32].map((length) => new Uint8Array(randomBytes(length)))
    const one = ids.map(toHex)
    expect(one.map(fromHex)).to.deep.equal(ids.map((id) => Buffer.from(id)))
    expect(manyToHex(ids)).to.deep.equal(one)
    expect(manyToHex([])).to.deep.equal([])
  })
})
