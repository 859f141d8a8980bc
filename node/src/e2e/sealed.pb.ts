import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SealedMessage {
  sentAt: bigint
  receiptSecret: Uint8Array
  body: Uint8Array
  kind: SealedMessage.Kind
}

export namespace SealedMessage {
  export enum Kind {
    UNSPECIFIED = 'UNSPECIFIED',
    KEY_PACKAGE_REQUEST = 'KEY_PACKAGE_REQUEST',
    KEY_PACKAGE = 'KEY_PACKAGE',
    FIRST_TEXT = 'FIRST_TEXT'
  }

  enum __KindValues {
    UNSPECIFIED = 0,
    KEY_PACKAGE_REQUEST = 1,
    KEY_PACKAGE = 2,
    FIRST_TEXT = 3
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<SealedMessage>

  export const codec = (): Codec<SealedMessage> => {
    if (_codec == null) {
      _codec = message<SealedMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(8)
          w.uint64(obj.sentAt)
        }

        if ((obj.receiptSecret != null && obj.receiptSecret.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.receiptSecret)
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.body)
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(32)
          SealedMessage.Kind.codec().encode(obj.kind, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sentAt: 0n,
          receiptSecret: uint8ArrayAlloc(0),
          body: uint8ArrayAlloc(0),
          kind: Kind.UNSPECIFIED
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sentAt = reader.uint64()
              break
            }
            case 2: {
              obj.receiptSecret = reader.bytes()
              break
            }
            case 3: {
              obj.body = reader.bytes()
              break
            }
            case 4: {
              obj.kind = SealedMessage.Kind.codec().decode(reader)
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
                field: `${prefix}.sentAt`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.receiptSecret`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.kind`,
                value: SealedMessage.Kind.codec().decode(reader)
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

  export interface SealedMessageSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export interface SealedMessageReceiptSecretFieldEvent {
    field: '$.receiptSecret'
    value: Uint8Array
  }

  export interface SealedMessageBodyFieldEvent {
    field: '$.body'
    value: Uint8Array
  }

  export interface SealedMessageKindFieldEvent {
    field: '$.kind'
    value: SealedMessage.Kind
  }

  export function encode (obj: Partial<SealedMessage>): Uint8Array {
    return encodeMessage(obj, SealedMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedMessage>): SealedMessage {
    return decodeMessage(buf, SealedMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedMessage>): Generator<SealedMessageSentAtFieldEvent | SealedMessageReceiptSecretFieldEvent | SealedMessageBodyFieldEvent | SealedMessageKindFieldEvent> {
    return streamMessage(buf, SealedMessage.codec(), opts)
  }
}

export interface FirstText {
  text: string
  messageId: Uint8Array
  keyPackage: Uint8Array
}

export namespace FirstText {
  let _codec: Codec<FirstText>

  export const codec = (): Codec<FirstText> => {
    if (_codec == null) {
      _codec = message<FirstText>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(10)
          w.string(obj.text)
        }

        if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.messageId)
        }

        if ((obj.keyPackage != null && obj.keyPackage.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.keyPackage)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          text: '',
          messageId: uint8ArrayAlloc(0),
          keyPackage: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.text = reader.string()
              break
            }
            case 2: {
              obj.messageId = reader.bytes()
              break
            }
            case 3: {
              obj.keyPackage = reader.bytes()
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
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.messageId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.keyPackage`,
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

  export interface FirstTextTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface FirstTextMessageIdFieldEvent {
    field: '$.messageId'
    value: Uint8Array
  }

  export interface FirstTextKeyPackageFieldEvent {
    field: '$.keyPackage'
    value: Uint8Array
  }

  export function encode (obj: Partial<FirstText>): Uint8Array {
    return encodeMessage(obj, FirstText.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FirstText>): FirstText {
    return decodeMessage(buf, FirstText.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FirstText>): Generator<FirstTextTextFieldEvent | FirstTextMessageIdFieldEvent | FirstTextKeyPackageFieldEvent> {
    return streamMessage(buf, FirstText.codec(), opts)
  }
}
