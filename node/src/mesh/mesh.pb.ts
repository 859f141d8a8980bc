import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Receipt {
  envelopeId: Uint8Array
  secret: Uint8Array
  expiresAt: bigint
}

export namespace Receipt {
  let _codec: Codec<Receipt>

  export const codec = (): Codec<Receipt> => {
    if (_codec == null) {
      _codec = message<Receipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.envelopeId != null && obj.envelopeId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.envelopeId)
        }

        if ((obj.secret != null && obj.secret.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.secret)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelopeId: uint8ArrayAlloc(0),
          secret: uint8ArrayAlloc(0),
          expiresAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.envelopeId = reader.bytes()
              break
            }
            case 2: {
              obj.secret = reader.bytes()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64()
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
                field: `${prefix}.envelopeId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.secret`,
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

  export interface ReceiptEnvelopeIdFieldEvent {
    field: '$.envelopeId'
    value: Uint8Array
  }

  export interface ReceiptSecretFieldEvent {
    field: '$.secret'
    value: Uint8Array
  }

  export interface ReceiptExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export function encode (obj: Partial<Receipt>): Uint8Array {
    return encodeMessage(obj, Receipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Receipt {
    return decodeMessage(buf, Receipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Generator<ReceiptEnvelopeIdFieldEvent | ReceiptSecretFieldEvent | ReceiptExpiresAtFieldEvent> {
    return streamMessage(buf, Receipt.codec(), opts)
  }
}

export interface MeshFrame {
  summary?: MeshFrame.Summary
  envelopes: Uint8Array[]
  acks: Uint8Array[]
  receipts: Receipt[]
}

export namespace MeshFrame {
  export interface Summary {
    envelopeIds: Uint8Array[]
    tags: Uint8Array[]
    receiptIds: Uint8Array[]
  }

  export namespace Summary {
    let _codec: Codec<Summary>

    export const codec = (): Codec<Summary> => {
      if (_codec == null) {
        _codec = message<Summary>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.envelopeIds != null && obj.envelopeIds.length > 0) {
            for (const value of obj.envelopeIds) {
              w.uint32(10)
              w.bytes(value)
            }
          }

          if (obj.tags != null && obj.tags.length > 0) {
            for (const value of obj.tags) {
              w.uint32(18)
              w.bytes(value)
            }
          }

          if (obj.receiptIds != null && obj.receiptIds.length > 0) {
            for (const value of obj.receiptIds) {
              w.uint32(26)
              w.bytes(value)
            }
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            envelopeIds: [],
            tags: [],
            receiptIds: []
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.envelopeIds != null && obj.envelopeIds.length === opts.limits.envelopeIds) {
                  throw new MaxLengthError('Decode error - repeated field "envelopeIds" had too many elements')
                }

                obj.envelopeIds.push(reader.bytes())
                break
              }
              case 2: {
                if (opts.limits?.tags != null && obj.tags.length === opts.limits.tags) {
                  throw new MaxLengthError('Decode error - repeated field "tags" had too many elements')
                }

                obj.tags.push(reader.bytes())
                break
              }
              case 3: {
                if (opts.limits?.receiptIds != null && obj.receiptIds.length === opts.limits.receiptIds) {
                  throw new MaxLengthError('Decode error - repeated field "receiptIds" had too many elements')
                }

                obj.receiptIds.push(reader.bytes())
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
          const obj = {
            envelopeIds: 0,
            tags: 0,
            receiptIds: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.envelopeIds != null && obj.envelopeIds === opts.limits.envelopeIds) {
                  throw new MaxLengthError('Streaming decode error - repeated field "envelopeIds" had too many elements')
                }

                yield {
                  field: `${prefix}.envelopeIds[]`,
                  index: obj.envelopeIds,
                  value: reader.bytes()
                }

                obj.envelopeIds++

                break
              }
              case 2: {
                if (opts.limits?.tags != null && obj.tags === opts.limits.tags) {
                  throw new MaxLengthError('Streaming decode error - repeated field "tags" had too many elements')
                }

                yield {
                  field: `${prefix}.tags[]`,
                  index: obj.tags,
                  value: reader.bytes()
                }

                obj.tags++

                break
              }
              case 3: {
                if (opts.limits?.receiptIds != null && obj.receiptIds === opts.limits.receiptIds) {
                  throw new MaxLengthError('Streaming decode error - repeated field "receiptIds" had too many elements')
                }

                yield {
                  field: `${prefix}.receiptIds[]`,
                  index: obj.receiptIds,
                  value: reader.bytes()
                }

                obj.receiptIds++

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

    export interface SummaryEnvelopeIdsFieldEvent {
      field: '$.envelopeIds[]'
      index: number
      value: Uint8Array
    }

    export interface SummaryTagsFieldEvent {
      field: '$.tags[]'
      index: number
      value: Uint8Array
    }

    export interface SummaryReceiptIdsFieldEvent {
      field: '$.receiptIds[]'
      index: number
      value: Uint8Array
    }

    export function encode (obj: Partial<Summary>): Uint8Array {
      return encodeMessage(obj, Summary.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Summary>): Summary {
      return decodeMessage(buf, Summary.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Summary>): Generator<SummaryEnvelopeIdsFieldEvent | SummaryTagsFieldEvent | SummaryReceiptIdsFieldEvent> {
      return streamMessage(buf, Summary.codec(), opts)
    }
  }

  let _codec: Codec<MeshFrame>

  export const codec = (): Codec<MeshFrame> => {
    if (_codec == null) {
      _codec = message<MeshFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.summary != null) {
          w.uint32(10)
          MeshFrame.Summary.codec().encode(obj.summary, w)
        }

        if (obj.envelopes != null && obj.envelopes.length > 0) {
          for (const value of obj.envelopes) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (obj.acks != null && obj.acks.length > 0) {
          for (const value of obj.acks) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if (obj.receipts != null && obj.receipts.length > 0) {
          for (const value of obj.receipts) {
            w.uint32(34)
            Receipt.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelopes: [],
          acks: [],
          receipts: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.summary = MeshFrame.Summary.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.summary
              })
              break
            }
            case 2: {
              if (opts.limits?.envelopes != null && obj.envelopes.length === opts.limits.envelopes) {
                throw new MaxLengthError('Decode error - repeated field "envelopes" had too many elements')
              }

              obj.envelopes.push(reader.bytes())
              break
            }
            case 3: {
              if (opts.limits?.acks != null && obj.acks.length === opts.limits.acks) {
                throw new MaxLengthError('Decode error - repeated field "acks" had too many elements')
              }

              obj.acks.push(reader.bytes())
              break
            }
            case 4: {
              if (opts.limits?.receipts != null && obj.receipts.length === opts.limits.receipts) {
                throw new MaxLengthError('Decode error - repeated field "receipts" had too many elements')
              }

              obj.receipts.push(Receipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipts$
              }))
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
        const obj = {
          envelopes: 0,
          acks: 0,
          receipts: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * MeshFrame.Summary.codec().stream(reader, reader.uint32(), `${prefix}.summary`, {
                limits: opts.limits?.summary
              })

              break
            }
            case 2: {
              if (opts.limits?.envelopes != null && obj.envelopes === opts.limits.envelopes) {
                throw new MaxLengthError('Streaming decode error - repeated field "envelopes" had too many elements')
              }

              yield {
                field: `${prefix}.envelopes[]`,
                index: obj.envelopes,
                value: reader.bytes()
              }

              obj.envelopes++

              break
            }
            case 3: {
              if (opts.limits?.acks != null && obj.acks === opts.limits.acks) {
                throw new MaxLengthError('Streaming decode error - repeated field "acks" had too many elements')
              }

              yield {
                field: `${prefix}.acks[]`,
                index: obj.acks,
                value: reader.bytes()
              }

              obj.acks++

              break
            }
            case 4: {
              if (opts.limits?.receipts != null && obj.receipts === opts.limits.receipts) {
                throw new MaxLengthError('Streaming decode error - repeated field "receipts" had too many elements')
              }

              for (const evt of Receipt.codec().stream(reader, reader.uint32(), `${prefix}.receipts[]`, {
                limits: opts.limits?.receipts$
              })) {
                yield {
                  ...evt,
                  index: obj.receipts
                }
              }

              obj.receipts++

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

  export interface MeshFrameSummaryEnvelopeIdsFieldEvent {
    field: '$.summary.envelopeIds[]'
    index: number
    value: Uint8Array
  }

  export interface MeshFrameSummaryTagsFieldEvent {
    field: '$.summary.tags[]'
    index: number
    value: Uint8Array
  }

  export interface MeshFrameSummaryReceiptIdsFieldEvent {
    field: '$.summary.receiptIds[]'
    index: number
    value: Uint8Array
  }

  export interface MeshFrameEnvelopesFieldEvent {
    field: '$.envelopes[]'
    index: number
    value: Uint8Array
  }

  export interface MeshFrameAcksFieldEvent {
    field: '$.acks[]'
    index: number
    value: Uint8Array
  }

  export interface MeshFrameReceiptsEnvelopeIdFieldEvent {
    field: '$.receipts[].envelopeId'
    value: Uint8Array
    index: number
  }

  export interface MeshFrameReceiptsSecretFieldEvent {
    field: '$.receipts[].secret'
    value: Uint8Array
    index: number
  }

  export interface MeshFrameReceiptsExpiresAtFieldEvent {
    field: '$.receipts[].expiresAt'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<MeshFrame>): Uint8Array {
    return encodeMessage(obj, MeshFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MeshFrame>): MeshFrame {
    return decodeMessage(buf, MeshFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MeshFrame>): Generator<MeshFrameSummaryEnvelopeIdsFieldEvent | MeshFrameSummaryTagsFieldEvent | MeshFrameSummaryReceiptIdsFieldEvent | MeshFrameEnvelopesFieldEvent | MeshFrameAcksFieldEvent | MeshFrameReceiptsEnvelopeIdFieldEvent | MeshFrameReceiptsSecretFieldEvent | MeshFrameReceiptsExpiresAtFieldEvent> {
    return streamMessage(buf, MeshFrame.codec(), opts)
  }
}
