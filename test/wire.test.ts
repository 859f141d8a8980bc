import { expect } from 'chai'
import { encodeEnvelope } from '../node/src/wire/index.ts'
import { Envelope } from '../node/src/wire/envelope.pb.ts'

describe('envelope wire format', () => {
  it('encodes envelopes byte for byte as the protobuf schema does, and decodes them back', () => {
    const contents = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(9)]
    const hops = [0, 1, 127, 128, 255, 300, 2 ** 32 - 1]
    const copies = [undefined, 0, 1, 6, 129, 2 ** 31]
    for (const content of contents) {
      for (const hopsLeft of hops) {
        for (const count of copies) {
          const encoded = encodeEnvelope(content, hopsLeft, count)
          expect(Buffer.from(encoded)).to.deep.equal(
            Buffer.from(Envelope.encode({ content, hopsLeft, copies: count }))
          )
          const decoded = Envelope.decode(encoded)
          expect([Buffer.from(decoded.content), decoded.hopsLeft, decoded.copies]).to.deep.equal([
            Buffer.from(content),
            hopsLeft,
            count
          ])
        }
      }
    }
  })
})
