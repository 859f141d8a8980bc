import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface EnvelopeContent {
  version: number
  recipientTag: Uint8Array
  expiresAt: bigint
  priority: EnvelopeContent.Priority
  receiptHash: Uint8Array
  payload: Uint8Array
}

export namespace EnvelopeContent {
  export enum Priority {
    NORMAL = 'NORMAL',
    CRITICAL = 'CRITICAL',
    LOW = 'LOW'
  }

  enum __PriorityValues {
    NORMAL = 0,
    CRITICAL = 1,
    LOW = 2
  }

  export namespace Priority {
    export const codec = (): Codec<Priority> => {
      return enumeration<Priority>(__PriorityValues)
    }
  }

  let _codec: Codec<EnvelopeContent>

  export const codec = (): Codec<EnvelopeContent> => {
    if (_codec == null) {
      _codec = message<EnvelopeContent>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.recipientTag != null && obj.recipientTag.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.recipientTag)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.expiresAt)
        }

        if (obj.priority != null && __PriorityValues[obj.priority] !== 0) {
          w.uint32(32)
          EnvelopeContent.Priority.codec().encode(obj.priority, w)
        }

        if ((obj.receiptHash != null && obj.receiptHash.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.receiptHash)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.payload)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          recipientTag: uint8ArrayAlloc(0),
          expiresAt: 0n,
          priority: Priority.NORMAL,
          receiptHash: uint8ArrayAlloc(0),
          payload: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.recipientTag = reader.bytes()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 4: {
              obj.priority = EnvelopeContent.Priority.codec().decode(reader)
              break
            }
            case 5: {
              obj.receiptHash = reader.bytes()
              break
            }
            case 6: {
              obj.payload = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.recipientTag`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.priority`,
                value: EnvelopeContent.Priority.codec().decode(reader)
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.receiptHash`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EnvelopeContentVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface EnvelopeContentRecipientTagFieldEvent {
    field: '$.recipientTag'
    value: Uint8Array
  }

  export interface EnvelopeContentExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface EnvelopeContentPriorityFieldEvent {
    field: '$.priority'
    value: EnvelopeContent.Priority
  }

  export interface EnvelopeContentReceiptHashFieldEvent {
    field: '$.receiptHash'
    value: Uint8Array
  }

  export interface EnvelopeContentPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array
  }

  export function encode (obj: Partial<EnvelopeContent>): Uint8Array {
    return encodeMessage(obj, EnvelopeContent.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EnvelopeContent>): EnvelopeContent {
    return decodeMessage(buf, EnvelopeContent.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EnvelopeContent>): Generator<EnvelopeContentVersionFieldEvent | EnvelopeContentRecipientTagFieldEvent | EnvelopeContentExpiresAtFieldEvent | EnvelopeContentPriorityFieldEvent | EnvelopeContentReceiptHashFieldEvent | EnvelopeContentPayloadFieldEvent> {
    return streamMessage(buf, EnvelopeContent.codec(), opts)
  }
}

export interface Envelope {
  content: Uint8Array
  hopsLeft: number
  copies?: number
}

export namespace Envelope {
  let _codec: Codec<Envelope>

  export const codec = (): Codec<Envelope> => {
    if (_codec == null) {
      _codec = message<Envelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.content != null && obj.content.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.content)
        }

        if ((obj.hopsLeft != null && obj.hopsLeft !== 0)) {
          w.uint32(16)
          w.uint32(obj.hopsLeft)
        }

        if (obj.copies != null) {
          w.uint32(24)
          w.uint32(obj.copies)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          content: uint8ArrayAlloc(0),
          hopsLeft: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.content = reader.bytes()
              break
            }
            case 2: {
              obj.hopsLeft = reader.uint32()
              break
            }
            case 3: {
              obj.copies = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.content`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.hopsLeft`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.copies`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EnvelopeContentFieldEvent {
    field: '$.content'
    value: Uint8Array
  }

  export interface EnvelopeHopsLeftFieldEvent {
    field: '$.hopsLeft'
    value: number
  }

  export interface EnvelopeCopiesFieldEvent {
    field: '$.copies'
    value: number
  }

  export function encode (obj: Partial<Envelope>): Uint8Array {
    return encodeMessage(obj, Envelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Envelope {
    return decodeMessage(buf, Envelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Generator<EnvelopeContentFieldEvent | EnvelopeHopsLeftFieldEvent | EnvelopeCopiesFieldEvent> {
    return streamMessage(buf, Envelope.codec(), opts)
  }
}
