import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { fromHex, toHex } from '../node/src/wire/index.ts'

describe('hex ids', () => {
  it('converts one way and back, whatever their lengths', () => {
    const ids = [32, 32, 5, 0, 32].map((length) => new Uint8Array(randomBytes(length)))
    const one = ids.map(toHex)
    expect(one.map(fromHex)).to.deep.equal(ids.map((id) => Buffer.from(id)))
  })
})
