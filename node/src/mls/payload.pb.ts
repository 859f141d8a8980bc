import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface MlsPayload {
  welcome: Uint8Array
  messages: Uint8Array[]
}

export namespace MlsPayload {
  let _codec: Codec<MlsPayload>

  export const codec = (): Codec<MlsPayload> => {
    if (_codec == null) {
      _codec = message<MlsPayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.welcome != null && obj.welcome.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.welcome)
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          welcome: uint8ArrayAlloc(0),
          messages: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.welcome = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(reader.bytes())
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
          messages: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.welcome`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              yield {
                field: `${prefix}.messages[]`,
                index: obj.messages,
                value: reader.bytes()
              }

              obj.messages++

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

  export interface MlsPayloadWelcomeFieldEvent {
    field: '$.welcome'
    value: Uint8Array
  }

  export interface MlsPayloadMessagesFieldEvent {
    field: '$.messages[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<MlsPayload>): Uint8Array {
    return encodeMessage(obj, MlsPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MlsPayload>): MlsPayload {
    return decodeMessage(buf, MlsPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MlsPayload>): Generator<MlsPayloadWelcomeFieldEvent | MlsPayloadMessagesFieldEvent> {
    return streamMessage(buf, MlsPayload.codec(), opts)
  }
}

export interface GroupContent {
  kind: GroupContent.Kind
  text: string
  sentAt: bigint
  receiptSeed: Uint8Array
  groupName: string
  direct: boolean
  messageId: Uint8Array
  proposals: Uint8Array[]
}

export namespace GroupContent {
  export enum Kind {
    TEXT = 'TEXT',
    META = 'META',
    PROPOSALS = 'PROPOSALS'
  }

  enum __KindValues {
    TEXT = 0,
    META = 1,
    PROPOSALS = 2
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<GroupContent>

  export const codec = (): Codec<GroupContent> => {
    if (_codec == null) {
      _codec = message<GroupContent>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          GroupContent.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.sentAt)
        }

        if ((obj.receiptSeed != null && obj.receiptSeed.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.receiptSeed)
        }

        if ((obj.groupName != null && obj.groupName !== '')) {
          w.uint32(42)
          w.string(obj.groupName)
        }

        if ((obj.direct != null && obj.direct !== false)) {
          w.uint32(48)
          w.bool(obj.direct)
        }

        if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.messageId)
        }

        if (obj.proposals != null && obj.proposals.length > 0) {
          for (const value of obj.proposals) {
            w.uint32(66)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.TEXT,
          text: '',
          sentAt: 0n,
          receiptSeed: uint8ArrayAlloc(0),
          groupName: '',
          direct: false,
          messageId: uint8ArrayAlloc(0),
          proposals: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = GroupContent.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.sentAt = reader.uint64()
              break
            }
            case 4: {
              obj.receiptSeed = reader.bytes()
              break
            }
            case 5: {
              obj.groupName = reader.string()
              break
            }
            case 6: {
              obj.direct = reader.bool()
              break
            }
            case 7: {
              obj.messageId = reader.bytes()
              break
            }
            case 8: {
              if (opts.limits?.proposals != null && obj.proposals.length === opts.limits.proposals) {
                throw new MaxLengthError('Decode error - repeated field "proposals" had too many elements')
              }

              obj.proposals.push(reader.bytes())
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
          proposals: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: GroupContent.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.receiptSeed`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.groupName`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.direct`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.messageId`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              if (opts.limits?.proposals != null && obj.proposals === opts.limits.proposals) {
                throw new MaxLengthError('Streaming decode error - repeated field "proposals" had too many elements')
              }

              yield {
                field: `${prefix}.proposals[]`,
                index: obj.proposals,
                value: reader.bytes()
              }

              obj.proposals++

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

  export interface GroupContentKindFieldEvent {
    field: '$.kind'
    value: GroupContent.Kind
  }

  export interface GroupContentTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface GroupContentSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export interface GroupContentReceiptSeedFieldEvent {
    field: '$.receiptSeed'
    value: Uint8Array
  }

  export interface GroupContentGroupNameFieldEvent {
    field: '$.groupName'
    value: string
  }

  export interface GroupContentDirectFieldEvent {
    field: '$.direct'
    value: boolean
  }

  export interface GroupContentMessageIdFieldEvent {
    field: '$.messageId'
    value: Uint8Array
  }

  export interface GroupContentProposalsFieldEvent {
    field: '$.proposals[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<GroupContent>): Uint8Array {
    return encodeMessage(obj, GroupContent.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupContent>): GroupContent {
    return decodeMessage(buf, GroupContent.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupContent>): Generator<GroupContentKindFieldEvent | GroupContentTextFieldEvent | GroupContentSentAtFieldEvent | GroupContentReceiptSeedFieldEvent | GroupContentGroupNameFieldEvent | GroupContentDirectFieldEvent | GroupContentMessageIdFieldEvent | GroupContentProposalsFieldEvent> {
    return streamMessage(buf, GroupContent.codec(), opts)
  }
}
