import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface EnvelopeRecord {
  content: Uint8Array
  hopsLeft: number
  local: boolean
  receivedAt: bigint
  fromPeer: string
  recipient: string
  copies?: number
}

export namespace EnvelopeRecord {
  let _codec: Codec<EnvelopeRecord>

  export const codec = (): Codec<EnvelopeRecord> => {
    if (_codec == null) {
      _codec = message<EnvelopeRecord>((obj, w, opts = {}) => {
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

        if ((obj.local != null && obj.local !== false)) {
          w.uint32(24)
          w.bool(obj.local)
        }

        if ((obj.receivedAt != null && obj.receivedAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.receivedAt)
        }

        if ((obj.fromPeer != null && obj.fromPeer !== '')) {
          w.uint32(42)
          w.string(obj.fromPeer)
        }

        if ((obj.recipient != null && obj.recipient !== '')) {
          w.uint32(50)
          w.string(obj.recipient)
        }

        if (obj.copies != null) {
          w.uint32(56)
          w.uint32(obj.copies)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          content: uint8ArrayAlloc(0),
          hopsLeft: 0,
          local: false,
          receivedAt: 0n,
          fromPeer: '',
          recipient: ''
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
              obj.local = reader.bool()
              break
            }
            case 4: {
              obj.receivedAt = reader.uint64()
              break
            }
            case 5: {
              obj.fromPeer = reader.string()
              break
            }
            case 6: {
              obj.recipient = reader.string()
              break
            }
            case 7: {
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
                field: `${prefix}.local`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.receivedAt`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.fromPeer`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.recipient`,
                value: reader.string()
              }
              break
            }
            case 7: {
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

  export interface EnvelopeRecordContentFieldEvent {
    field: '$.content'
    value: Uint8Array
  }

  export interface EnvelopeRecordHopsLeftFieldEvent {
    field: '$.hopsLeft'
    value: number
  }

  export interface EnvelopeRecordLocalFieldEvent {
    field: '$.local'
    value: boolean
  }

  export interface EnvelopeRecordReceivedAtFieldEvent {
    field: '$.receivedAt'
    value: bigint
  }

  export interface EnvelopeRecordFromPeerFieldEvent {
    field: '$.fromPeer'
    value: string
  }

  export interface EnvelopeRecordRecipientFieldEvent {
    field: '$.recipient'
    value: string
  }

  export interface EnvelopeRecordCopiesFieldEvent {
    field: '$.copies'
    value: number
  }

  export function encode (obj: Partial<EnvelopeRecord>): Uint8Array {
    return encodeMessage(obj, EnvelopeRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EnvelopeRecord>): EnvelopeRecord {
    return decodeMessage(buf, EnvelopeRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EnvelopeRecord>): Generator<EnvelopeRecordContentFieldEvent | EnvelopeRecordHopsLeftFieldEvent | EnvelopeRecordLocalFieldEvent | EnvelopeRecordReceivedAtFieldEvent | EnvelopeRecordFromPeerFieldEvent | EnvelopeRecordRecipientFieldEvent | EnvelopeRecordCopiesFieldEvent> {
    return streamMessage(buf, EnvelopeRecord.codec(), opts)
  }
}

export interface SummaryRecord {
  tag: Uint8Array
  expiresAt: bigint
  priorityRank: number
  receiptHash: Uint8Array
  size: number
  hopsLeft: number
  local: boolean
  receivedAt: bigint
  fromPeer: string
  recipient: string
  copies?: number
}

export namespace SummaryRecord {
  let _codec: Codec<SummaryRecord>

  export const codec = (): Codec<SummaryRecord> => {
    if (_codec == null) {
      _codec = message<SummaryRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.tag != null && obj.tag.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.tag)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.expiresAt)
        }

        if ((obj.priorityRank != null && obj.priorityRank !== 0)) {
          w.uint32(24)
          w.uint32(obj.priorityRank)
        }

        if ((obj.receiptHash != null && obj.receiptHash.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.receiptHash)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(40)
          w.uint32(obj.size)
        }

        if ((obj.hopsLeft != null && obj.hopsLeft !== 0)) {
          w.uint32(48)
          w.uint32(obj.hopsLeft)
        }

        if ((obj.local != null && obj.local !== false)) {
          w.uint32(56)
          w.bool(obj.local)
        }

        if ((obj.receivedAt != null && obj.receivedAt !== 0n)) {
          w.uint32(64)
          w.uint64(obj.receivedAt)
        }

        if ((obj.fromPeer != null && obj.fromPeer !== '')) {
          w.uint32(74)
          w.string(obj.fromPeer)
        }

        if ((obj.recipient != null && obj.recipient !== '')) {
          w.uint32(82)
          w.string(obj.recipient)
        }

        if (obj.copies != null) {
          w.uint32(88)
          w.uint32(obj.copies)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          tag: uint8ArrayAlloc(0),
          expiresAt: 0n,
          priorityRank: 0,
          receiptHash: uint8ArrayAlloc(0),
          size: 0,
          hopsLeft: 0,
          local: false,
          receivedAt: 0n,
          fromPeer: '',
          recipient: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.tag = reader.bytes()
              break
            }
            case 2: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 3: {
              obj.priorityRank = reader.uint32()
              break
            }
            case 4: {
              obj.receiptHash = reader.bytes()
              break
            }
            case 5: {
              obj.size = reader.uint32()
              break
            }
            case 6: {
              obj.hopsLeft = reader.uint32()
              break
            }
            case 7: {
              obj.local = reader.bool()
              break
            }
            case 8: {
              obj.receivedAt = reader.uint64()
              break
            }
            case 9: {
              obj.fromPeer = reader.string()
              break
            }
            case 10: {
              obj.recipient = reader.string()
              break
            }
            case 11: {
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
                field: `${prefix}.tag`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.priorityRank`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.receiptHash`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.hopsLeft`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.local`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.receivedAt`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.fromPeer`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.recipient`,
                value: reader.string()
              }
              break
            }
            case 11: {
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

  export interface SummaryRecordTagFieldEvent {
    field: '$.tag'
    value: Uint8Array
  }

  export interface SummaryRecordExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface SummaryRecordPriorityRankFieldEvent {
    field: '$.priorityRank'
    value: number
  }

  export interface SummaryRecordReceiptHashFieldEvent {
    field: '$.receiptHash'
    value: Uint8Array
  }

  export interface SummaryRecordSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface SummaryRecordHopsLeftFieldEvent {
    field: '$.hopsLeft'
    value: number
  }

  export interface SummaryRecordLocalFieldEvent {
    field: '$.local'
    value: boolean
  }

  export interface SummaryRecordReceivedAtFieldEvent {
    field: '$.receivedAt'
    value: bigint
  }

  export interface SummaryRecordFromPeerFieldEvent {
    field: '$.fromPeer'
    value: string
  }

  export interface SummaryRecordRecipientFieldEvent {
    field: '$.recipient'
    value: string
  }

  export interface SummaryRecordCopiesFieldEvent {
    field: '$.copies'
    value: number
  }

  export function encode (obj: Partial<SummaryRecord>): Uint8Array {
    return encodeMessage(obj, SummaryRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SummaryRecord>): SummaryRecord {
    return decodeMessage(buf, SummaryRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SummaryRecord>): Generator<SummaryRecordTagFieldEvent | SummaryRecordExpiresAtFieldEvent | SummaryRecordPriorityRankFieldEvent | SummaryRecordReceiptHashFieldEvent | SummaryRecordSizeFieldEvent | SummaryRecordHopsLeftFieldEvent | SummaryRecordLocalFieldEvent | SummaryRecordReceivedAtFieldEvent | SummaryRecordFromPeerFieldEvent | SummaryRecordRecipientFieldEvent | SummaryRecordCopiesFieldEvent> {
    return streamMessage(buf, SummaryRecord.codec(), opts)
  }
}

export interface ReceiptRecord {
  secret: Uint8Array
  expiresAt: bigint
}

export namespace ReceiptRecord {
  let _codec: Codec<ReceiptRecord>

  export const codec = (): Codec<ReceiptRecord> => {
    if (_codec == null) {
      _codec = message<ReceiptRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.secret != null && obj.secret.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.secret)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          secret: uint8ArrayAlloc(0),
          expiresAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.secret = reader.bytes()
              break
            }
            case 2: {
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
                field: `${prefix}.secret`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
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

  export interface ReceiptRecordSecretFieldEvent {
    field: '$.secret'
    value: Uint8Array
  }

  export interface ReceiptRecordExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export function encode (obj: Partial<ReceiptRecord>): Uint8Array {
    return encodeMessage(obj, ReceiptRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiptRecord>): ReceiptRecord {
    return decodeMessage(buf, ReceiptRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiptRecord>): Generator<ReceiptRecordSecretFieldEvent | ReceiptRecordExpiresAtFieldEvent> {
    return streamMessage(buf, ReceiptRecord.codec(), opts)
  }
}

export interface InboxRecord {
  receivedAt: bigint
  record: Uint8Array
}

export namespace InboxRecord {
  let _codec: Codec<InboxRecord>

  export const codec = (): Codec<InboxRecord> => {
    if (_codec == null) {
      _codec = message<InboxRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.receivedAt != null && obj.receivedAt !== 0n)) {
          w.uint32(8)
          w.uint64(obj.receivedAt)
        }

        if ((obj.record != null && obj.record.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.record)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          receivedAt: 0n,
          record: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.receivedAt = reader.uint64()
              break
            }
            case 2: {
              obj.record = reader.bytes()
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
                field: `${prefix}.receivedAt`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.record`,
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

  export interface InboxRecordReceivedAtFieldEvent {
    field: '$.receivedAt'
    value: bigint
  }

  export interface InboxRecordRecordFieldEvent {
    field: '$.record'
    value: Uint8Array
  }

  export function encode (obj: Partial<InboxRecord>): Uint8Array {
    return encodeMessage(obj, InboxRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InboxRecord>): InboxRecord {
    return decodeMessage(buf, InboxRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InboxRecord>): Generator<InboxRecordReceivedAtFieldEvent | InboxRecordRecordFieldEvent> {
    return streamMessage(buf, InboxRecord.codec(), opts)
  }
}

export interface FailedRecord {
  recipient: string
  priorityRank: number
  reason: string
  detail: string
  queuedAt: bigint
}

export namespace FailedRecord {
  let _codec: Codec<FailedRecord>

  export const codec = (): Codec<FailedRecord> => {
    if (_codec == null) {
      _codec = message<FailedRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.recipient != null && obj.recipient !== '')) {
          w.uint32(10)
          w.string(obj.recipient)
        }

        if ((obj.priorityRank != null && obj.priorityRank !== 0)) {
          w.uint32(16)
          w.uint32(obj.priorityRank)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(26)
          w.string(obj.reason)
        }

        if ((obj.detail != null && obj.detail !== '')) {
          w.uint32(34)
          w.string(obj.detail)
        }

        if ((obj.queuedAt != null && obj.queuedAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.queuedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          recipient: '',
          priorityRank: 0,
          reason: '',
          detail: '',
          queuedAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.recipient = reader.string()
              break
            }
            case 2: {
              obj.priorityRank = reader.uint32()
              break
            }
            case 3: {
              obj.reason = reader.string()
              break
            }
            case 4: {
              obj.detail = reader.string()
              break
            }
            case 5: {
              obj.queuedAt = reader.uint64()
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
                field: `${prefix}.recipient`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.priorityRank`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.detail`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.queuedAt`,
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

  export interface FailedRecordRecipientFieldEvent {
    field: '$.recipient'
    value: string
  }

  export interface FailedRecordPriorityRankFieldEvent {
    field: '$.priorityRank'
    value: number
  }

  export interface FailedRecordReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface FailedRecordDetailFieldEvent {
    field: '$.detail'
    value: string
  }

  export interface FailedRecordQueuedAtFieldEvent {
    field: '$.queuedAt'
    value: bigint
  }

  export function encode (obj: Partial<FailedRecord>): Uint8Array {
    return encodeMessage(obj, FailedRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FailedRecord>): FailedRecord {
    return decodeMessage(buf, FailedRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FailedRecord>): Generator<FailedRecordRecipientFieldEvent | FailedRecordPriorityRankFieldEvent | FailedRecordReasonFieldEvent | FailedRecordDetailFieldEvent | FailedRecordQueuedAtFieldEvent> {
    return streamMessage(buf, FailedRecord.codec(), opts)
  }
}
