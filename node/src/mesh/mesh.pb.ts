import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Receipt {
  envelopeId: Uint8Array
  secret: Uint8Array
  expiresAt: bigint
  hint: boolean
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

        if ((obj.hint != null && obj.hint !== false)) {
          w.uint32(32)
          w.bool(obj.hint)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelopeId: uint8ArrayAlloc(0),
          secret: uint8ArrayAlloc(0),
          expiresAt: 0n,
          hint: false
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
            case 4: {
              obj.hint = reader.bool()
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
            case 4: {
              yield {
                field: `${prefix}.hint`,
                value: reader.bool()
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

  export interface ReceiptHintFieldEvent {
    field: '$.hint'
    value: boolean
  }

  export function encode (obj: Partial<Receipt>): Uint8Array {
    return encodeMessage(obj, Receipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Receipt {
    return decodeMessage(buf, Receipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Generator<ReceiptEnvelopeIdFieldEvent | ReceiptSecretFieldEvent | ReceiptExpiresAtFieldEvent | ReceiptHintFieldEvent> {
    return streamMessage(buf, Receipt.codec(), opts)
  }
}

export interface MeshFrame {
  hello?: MeshFrame.Hello
  envelopes: Uint8Array[]
  acks: Uint8Array[]
  receipts: Receipt[]
  offers: Uint8Array[]
  requests: Uint8Array[]
  refusals: MeshFrame.Refusal[]
  moreOffers: boolean
  offersComplete: boolean
}

export namespace MeshFrame {
  export interface Hello {
    tags: Uint8Array[]
    strategy?: Uint8Array
    heldDigest?: Uint8Array
  }

  export namespace Hello {
    let _codec: Codec<Hello>

    export const codec = (): Codec<Hello> => {
      if (_codec == null) {
        _codec = message<Hello>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.tags != null && obj.tags.length > 0) {
            for (const value of obj.tags) {
              w.uint32(10)
              w.bytes(value)
            }
          }

          if (obj.strategy != null) {
            w.uint32(18)
            w.bytes(obj.strategy)
          }

          if (obj.heldDigest != null) {
            w.uint32(26)
            w.bytes(obj.heldDigest)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            tags: []
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.tags != null && obj.tags.length === opts.limits.tags) {
                  throw new MaxLengthError('Decode error - repeated field "tags" had too many elements')
                }

                obj.tags.push(reader.bytes())
                break
              }
              case 2: {
                obj.strategy = reader.bytes()
                break
              }
              case 3: {
                obj.heldDigest = reader.bytes()
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
            tags: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
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
              case 2: {
                yield {
                  field: `${prefix}.strategy`,
                  value: reader.bytes()
                }
                break
              }
              case 3: {
                yield {
                  field: `${prefix}.heldDigest`,
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

    export interface HelloTagsFieldEvent {
      field: '$.tags[]'
      index: number
      value: Uint8Array
    }

    export interface HelloStrategyFieldEvent {
      field: '$.strategy'
      value: Uint8Array
    }

    export interface HelloHeldDigestFieldEvent {
      field: '$.heldDigest'
      value: Uint8Array
    }

    export function encode (obj: Partial<Hello>): Uint8Array {
      return encodeMessage(obj, Hello.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Hello {
      return decodeMessage(buf, Hello.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Generator<HelloTagsFieldEvent | HelloStrategyFieldEvent | HelloHeldDigestFieldEvent> {
      return streamMessage(buf, Hello.codec(), opts)
    }
  }

  export interface Refusal {
    envelopeId: Uint8Array
    reason: string
  }

  export namespace Refusal {
    let _codec: Codec<Refusal>

    export const codec = (): Codec<Refusal> => {
      if (_codec == null) {
        _codec = message<Refusal>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.envelopeId != null && obj.envelopeId.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.envelopeId)
          }

          if ((obj.reason != null && obj.reason !== '')) {
            w.uint32(18)
            w.string(obj.reason)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            envelopeId: uint8ArrayAlloc(0),
            reason: ''
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
                obj.reason = reader.string()
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
                  field: `${prefix}.reason`,
                  value: reader.string()
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

    export interface RefusalEnvelopeIdFieldEvent {
      field: '$.envelopeId'
      value: Uint8Array
    }

    export interface RefusalReasonFieldEvent {
      field: '$.reason'
      value: string
    }

    export function encode (obj: Partial<Refusal>): Uint8Array {
      return encodeMessage(obj, Refusal.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Refusal {
      return decodeMessage(buf, Refusal.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Generator<RefusalEnvelopeIdFieldEvent | RefusalReasonFieldEvent> {
      return streamMessage(buf, Refusal.codec(), opts)
    }
  }

  let _codec: Codec<MeshFrame>

  export const codec = (): Codec<MeshFrame> => {
    if (_codec == null) {
      _codec = message<MeshFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.hello != null) {
          w.uint32(10)
          MeshFrame.Hello.codec().encode(obj.hello, w)
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

        if (obj.offers != null && obj.offers.length > 0) {
          for (const value of obj.offers) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (obj.requests != null && obj.requests.length > 0) {
          for (const value of obj.requests) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if (obj.refusals != null && obj.refusals.length > 0) {
          for (const value of obj.refusals) {
            w.uint32(58)
            MeshFrame.Refusal.codec().encode(value, w)
          }
        }

        if ((obj.moreOffers != null && obj.moreOffers !== false)) {
          w.uint32(64)
          w.bool(obj.moreOffers)
        }

        if ((obj.offersComplete != null && obj.offersComplete !== false)) {
          w.uint32(72)
          w.bool(obj.offersComplete)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelopes: [],
          acks: [],
          receipts: [],
          offers: [],
          requests: [],
          refusals: [],
          moreOffers: false,
          offersComplete: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.hello = MeshFrame.Hello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hello
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
            case 5: {
              if (opts.limits?.offers != null && obj.offers.length === opts.limits.offers) {
                throw new MaxLengthError('Decode error - repeated field "offers" had too many elements')
              }

              obj.offers.push(reader.bytes())
              break
            }
            case 6: {
              if (opts.limits?.requests != null && obj.requests.length === opts.limits.requests) {
                throw new MaxLengthError('Decode error - repeated field "requests" had too many elements')
              }

              obj.requests.push(reader.bytes())
              break
            }
            case 7: {
              if (opts.limits?.refusals != null && obj.refusals.length === opts.limits.refusals) {
                throw new MaxLengthError('Decode error - repeated field "refusals" had too many elements')
              }

              obj.refusals.push(MeshFrame.Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusals$
              }))
              break
            }
            case 8: {
              obj.moreOffers = reader.bool()
              break
            }
            case 9: {
              obj.offersComplete = reader.bool()
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
          receipts: 0,
          offers: 0,
          requests: 0,
          refusals: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * MeshFrame.Hello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                limits: opts.limits?.hello
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
            case 5: {
              if (opts.limits?.offers != null && obj.offers === opts.limits.offers) {
                throw new MaxLengthError('Streaming decode error - repeated field "offers" had too many elements')
              }

              yield {
                field: `${prefix}.offers[]`,
                index: obj.offers,
                value: reader.bytes()
              }

              obj.offers++

              break
            }
            case 6: {
              if (opts.limits?.requests != null && obj.requests === opts.limits.requests) {
                throw new MaxLengthError('Streaming decode error - repeated field "requests" had too many elements')
              }

              yield {
                field: `${prefix}.requests[]`,
                index: obj.requests,
                value: reader.bytes()
              }

              obj.requests++

              break
            }
            case 7: {
              if (opts.limits?.refusals != null && obj.refusals === opts.limits.refusals) {
                throw new MaxLengthError('Streaming decode error - repeated field "refusals" had too many elements')
              }

              for (const evt of MeshFrame.Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusals[]`, {
                limits: opts.limits?.refusals$
              })) {
                yield {
                  ...evt,
                  index: obj.refusals
                }
              }

              obj.refusals++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.moreOffers`,
                value: reader.bool()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.offersComplete`,
                value: reader.bool()
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

  export interface MeshFrameHelloTagsFieldEvent {
    field: '$.hello.tags[]'
    index: number
    value: Uint8Array
  }

  export interface MeshFrameHelloStrategyFieldEvent {
    field: '$.hello.strategy'
    value: Uint8Array
  }

  export interface MeshFrameHelloHeldDigestFieldEvent {
    field: '$.hello.heldDigest'
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

  export interface MeshFrameReceiptsHintFieldEvent {
    field: '$.receipts[].hint'
    value: boolean
    index: number
  }

  export interface MeshFrameOffersFieldEvent {
    field: '$.offers[]'
    index: number
    value: Uint8Array
  }

  export interface MeshFrameRequestsFieldEvent {
    field: '$.requests[]'
    index: number
    value: Uint8Array
  }

  export interface MeshFrameRefusalsEnvelopeIdFieldEvent {
    field: '$.refusals[].envelopeId'
    value: Uint8Array
    index: number
  }

  export interface MeshFrameRefusalsReasonFieldEvent {
    field: '$.refusals[].reason'
    value: string
    index: number
  }

  export interface MeshFrameMoreOffersFieldEvent {
    field: '$.moreOffers'
    value: boolean
  }

  export interface MeshFrameOffersCompleteFieldEvent {
    field: '$.offersComplete'
    value: boolean
  }

  export function encode (obj: Partial<MeshFrame>): Uint8Array {
    return encodeMessage(obj, MeshFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MeshFrame>): MeshFrame {
    return decodeMessage(buf, MeshFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MeshFrame>): Generator<MeshFrameHelloTagsFieldEvent | MeshFrameHelloStrategyFieldEvent | MeshFrameHelloHeldDigestFieldEvent | MeshFrameEnvelopesFieldEvent | MeshFrameAcksFieldEvent | MeshFrameReceiptsEnvelopeIdFieldEvent | MeshFrameReceiptsSecretFieldEvent | MeshFrameReceiptsExpiresAtFieldEvent | MeshFrameReceiptsHintFieldEvent | MeshFrameOffersFieldEvent | MeshFrameRequestsFieldEvent | MeshFrameRefusalsEnvelopeIdFieldEvent | MeshFrameRefusalsReasonFieldEvent | MeshFrameMoreOffersFieldEvent | MeshFrameOffersCompleteFieldEvent> {
    return streamMessage(buf, MeshFrame.codec(), opts)
  }
}
