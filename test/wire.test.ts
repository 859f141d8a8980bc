import { expect } from 'chai'
import {
  decodeEnvelope,
  encodeEnvelope,
  encodeEnvelopeContent,
  MalformedEnvelopeError,
  readHeader,
  readPayload,
  toHex
} from '../node/src/wire/index.ts'
import { Envelope, EnvelopeContent } from '../node/src/wire/envelope.pb.ts'

const UNLIMITED = { maxPayloadBytes: Infinity }

function content(fields: Partial<EnvelopeContent> = {}): Uint8Array {
  return EnvelopeContent.encode({
    version: 1,
    recipientTag: new Uint8Array(16).fill(3),
    expiresAt: 1_700_000_000_000n,
    priority: EnvelopeContent.Priority.NORMAL,
    receiptHash: new Uint8Array(32).fill(4),
    payload: new Uint8Array([5, 6, 7]),
    ...fields
  })
}

/** Fields of other numbers, one of each wire type a reader passes over (numbers 9 to 12). */
const UNKNOWN_FIELDS = new Uint8Array([
  ...[9 << 3, 0x96, 0x01],
  ...[(10 << 3) | 2, 2, 0xaa, 0xbb],
  ...[(11 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8],
  ...[(12 << 3) | 5, 1, 2, 3, 4]
])

describe('envelope wire format', () => {
  it('encodes envelopes byte for byte as the protobuf schema does, and decodes them back', () => {
    const contents = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(9)]
    const hops = [0, 1, 127, 128, 255, 300, 2 ** 32 - 1]
    const copies = [undefined, 0, 1, 6, 129, 2 ** 31]
    for (const bytes of contents) {
      for (const hopsLeft of hops) {
        for (const count of copies) {
          const encoded = encodeEnvelope(bytes, hopsLeft, count)
          expect(Buffer.from(encoded)).to.deep.equal(
            Buffer.from(Envelope.encode({ content: bytes, hopsLeft, copies: count }))
          )
          const decoded = Envelope.decode(encoded)
          expect([Buffer.from(decoded.content), decoded.hopsLeft, decoded.copies]).to.deep.equal([
            Buffer.from(bytes),
            hopsLeft,
            count
          ])
        }
      }
    }
  })

  it('encodes contents byte for byte as the protobuf schema does: every priority, large expiries, empty fields', () => {
    const priorities = [
      ['normal', EnvelopeContent.Priority.NORMAL],
      ['critical', EnvelopeContent.Priority.CRITICAL],
      ['low', EnvelopeContent.Priority.LOW]
    ] as const
    const byteFields = [new Uint8Array(0), new Uint8Array([7]), new Uint8Array(300).fill(9)]
    for (const [priority, wirePriority] of priorities) {
      for (const expiresAt of [0, 1, 127, 128, 2 ** 32, 1_700_000_000_000, 2 ** 53 - 1]) {
        for (const bytes of byteFields) {
          const fields = { tag: bytes, receiptHash: bytes.subarray(0, 1), payload: bytes }
          expect(Buffer.from(encodeEnvelopeContent({ ...fields, expiresAt, priority }))).to.deep.equal(
            Buffer.from(
              EnvelopeContent.encode({
                version: 1,
                recipientTag: fields.tag,
                expiresAt: BigInt(expiresAt),
                priority: wirePriority,
                receiptHash: fields.receiptHash,
                payload: fields.payload
              })
            )
          )
        }
      }
    }
  })

  it('refuses to encode an expiry that is not a whole number of milliseconds', () => {
    const fields = { tag: new Uint8Array(1), receiptHash: new Uint8Array(32), payload: new Uint8Array(0) }
    for (const expiresAt of [-1, 1.5, 2 ** 53, NaN]) {
      expect(() => encodeEnvelopeContent({ ...fields, expiresAt, priority: 'normal' })).to.throw(RangeError)
    }
  })

  it('reads what the protobuf schema writes: every priority, large expiries, fields of other numbers', () => {
    const { NORMAL, CRITICAL, LOW } = EnvelopeContent.Priority
    for (const priority of [NORMAL, CRITICAL, LOW]) {
      for (const expiresAt of [0n, 1n, 1_700_000_000_000n, 2n ** 53n - 1n]) {
        const known = content({ priority, expiresAt })
        const withUnknown = new Uint8Array([...UNKNOWN_FIELDS, ...known])
        for (const bytes of [known, withUnknown]) {
          const header = readHeader(bytes)
          const schema = EnvelopeContent.decode(bytes)
          expect(header.priority.toUpperCase()).to.equal(schema.priority)
          expect(header.expiresAt).to.equal(Number(schema.expiresAt))
          expect(header.tag).to.equal(toHex(schema.recipientTag))
          expect(header.receiptHash).to.equal(toHex(schema.receiptHash))
          expect(Buffer.from(readPayload(bytes))).to.deep.equal(Buffer.from(schema.payload))
          const envelope = decodeEnvelope(encodeEnvelope(bytes, 7, 3), UNLIMITED)
          expect([envelope.header, envelope.hopsLeft, envelope.copies]).to.deep.equal([header, 7, 3])
        }
      }
    }
  })

  it('refuses cut, overlong or foreign bytes as malformed, wherever the content is cut', () => {
    const inner = content()
    const envelope = encodeEnvelope(inner, 7, 3)
    const contentEnd = envelope.length - 4
    expect(Buffer.from(envelope.subarray(contentEnd - inner.length, contentEnd))).to.deep.equal(
      Buffer.from(inner)
    )
    for (let length = 1; length < contentEnd; length++) {
      expect(() => decodeEnvelope(envelope.subarray(0, length), UNLIMITED)).to.throw(MalformedEnvelopeError)
    }
    // Cut within its last field (the payload), and a foreign wire type.
    expect(() => readPayload(inner.subarray(0, inner.length - 1))).to.throw(MalformedEnvelopeError)
    expect(() => readPayload(new Uint8Array([(1 << 3) | 3]))).to.throw(MalformedEnvelopeError)
    const bad = [
      new Uint8Array([(2 << 3) | 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      new Uint8Array([(1 << 3) | 3]),
      new Uint8Array([(1 << 3) | 2, 5, 1, 2])
    ]
    for (const bytes of bad) expect(() => decodeEnvelope(bytes, UNLIMITED)).to.throw(MalformedEnvelopeError)
    const unknownPriority = new Uint8Array([...content(), 4 << 3, 7])
    expect(() => readHeader(unknownPriority)).to.throw(MalformedEnvelopeError, /priority 7/)
  })
})
