/**
 * The protobuf wire format for the two messages every relayed envelope goes
 * through (Envelope and EnvelopeContent in envelope.proto), written and read
 * directly: protons' general reader and writer cost more than the rest of
 * handling an envelope (test/wire.test.ts holds the two to the same bytes and
 * values). Only what those messages use: varints and length-delimited fields.
 */

/** Wire types (the low three bits of a field's key). */
export const VARINT = 0
export const LENGTH_DELIMITED = 2
const FIXED64 = 1
const FIXED32 = 5

/** A varint holds at most 64 bits: ten bytes. */
const MAX_VARINT_BYTES = 10

/** The key of a field: its number and wire type. */
export function fieldKey(field: number, wireType: number): number {
  return (field << 3) | wireType
}

/** Bytes of the varint of a non-negative integer up to 2^53 - 1. */
export function varintLength(value: number): number {
  let length = 1
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++
  return length
}

/** Writes the varint of a non-negative integer up to 2^53 - 1 at `at`; returns the offset after it. */
export function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  let rest = value
  while (rest >= 0x80) {
    bytes[at++] = (rest % 0x80) | 0x80
    rest = Math.floor(rest / 0x80)
  }
  bytes[at++] = rest
  return at
}

/** Bytes of a length-delimited field (key, length, bytes); none for empty bytes, which proto3 leaves out. */
export function bytesFieldLength(bytes: Uint8Array): number {
  return bytes.length === 0 ? 0 : 1 + varintLength(bytes.length) + bytes.length
}

/** Writes a length-delimited field whose key is one byte, unless the bytes are empty; the offset after it. */
export function writeBytesField(out: Uint8Array, at: number, key: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return at
  out[at++] = key
  at = writeVarint(out, at, bytes.length)
  out.set(bytes, at)
  return at + bytes.length
}

/** Bytes of a varint field (key and value); none for zero, which proto3 leaves out. */
export function varintFieldLength(value: number): number {
  return value === 0 ? 0 : 1 + varintLength(value)
}

/** Writes a varint field whose key is one byte, unless the value is zero; the offset after it. */
export function writeVarintField(out: Uint8Array, at: number, key: number, value: number): number {
  if (value === 0) return at
  out[at++] = key
  return writeVarint(out, at, value)
}

/** Reads a message's fields in order; throws a RangeError where the bytes end inside a field. */
export class FieldReader {
  private at = 0

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.bytes.length
  }

  /** A varint as a number: exact up to 2^53, as protobuf's 64-bit integers are read into numbers here. */
  varint(): number {
    let value = 0
    let scale = 1
    for (let read = 0; read < MAX_VARINT_BYTES; read++) {
      const byte = this.bytes[this.at++]
      if (byte === undefined) throw new RangeError('the bytes end inside a varint')
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return value
      scale *= 0x80
    }
    throw new RangeError('a varint longer than ten bytes')
  }

  /** A uint32 field: the low 32 bits of its varint, as protobuf reads it. */
  uint32(): number {
    return this.varint() % 2 ** 32
  }

  /** A length-delimited field, as a view of the bytes read (not a copy). */
  lengthDelimited(): Uint8Array {
    const length = this.varint()
    const end = this.at + length
    if (end > this.bytes.length) throw new RangeError('the bytes end inside a field')
    const view = this.bytes.subarray(this.at, end)
    this.at = end
    return view
  }

  /** Passes over a field of another number, as protobuf readers do with fields they do not know. */
  skip(key: number): void {
    switch (key & 7) {
      case VARINT:
        this.varint()
        return
      case LENGTH_DELIMITED:
        this.lengthDelimited()
        return
      case FIXED64:
        this.advance(8)
        return
      case FIXED32:
        this.advance(4)
        return
      default:
        throw new RangeError(`wire type ${key & 7} is not read here`)
    }
  }

  private advance(length: number): void {
    if (this.at + length > this.bytes.length) throw new RangeError('the bytes end inside a field')
    this.at += length
  }
}
