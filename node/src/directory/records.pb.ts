import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface IdentityRecord {
  keyPackages: KeyPackageRecord[]
  seenAt: bigint
}

export namespace IdentityRecord {
  let _codec: Codec<IdentityRecord>

  export const codec = (): Codec<IdentityRecord> => {
    if (_codec == null) {
      _codec = message<IdentityRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.keyPackages != null && obj.keyPackages.length > 0) {
          for (const value of obj.keyPackages) {
            w.uint32(10)
            KeyPackageRecord.codec().encode(value, w)
          }
        }

        if ((obj.seenAt != null && obj.seenAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seenAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          keyPackages: [],
          seenAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.keyPackages != null && obj.keyPackages.length === opts.limits.keyPackages) {
                throw new MaxLengthError('Decode error - repeated field "keyPackages" had too many elements')
              }

              obj.keyPackages.push(KeyPackageRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.keyPackages$
              }))
              break
            }
            case 2: {
              obj.seenAt = reader.uint64()
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
          keyPackages: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.keyPackages != null && obj.keyPackages === opts.limits.keyPackages) {
                throw new MaxLengthError('Streaming decode error - repeated field "keyPackages" had too many elements')
              }

              for (const evt of KeyPackageRecord.codec().stream(reader, reader.uint32(), `${prefix}.keyPackages[]`, {
                limits: opts.limits?.keyPackages$
              })) {
                yield {
                  ...evt,
                  index: obj.keyPackages
                }
              }

              obj.keyPackages++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.seenAt`,
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

  export interface IdentityRecordKeyPackagesKeyPackageFieldEvent {
    field: '$.keyPackages[].keyPackage'
    value: Uint8Array
    index: number
  }

  export interface IdentityRecordKeyPackagesNotAfterFieldEvent {
    field: '$.keyPackages[].notAfter'
    value: bigint
    index: number
  }

  export interface IdentityRecordKeyPackagesHandedOutFieldEvent {
    field: '$.keyPackages[].handedOut'
    value: boolean
    index: number
  }

  export interface IdentityRecordSeenAtFieldEvent {
    field: '$.seenAt'
    value: bigint
  }

  export function encode (obj: Partial<IdentityRecord>): Uint8Array {
    return encodeMessage(obj, IdentityRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdentityRecord>): IdentityRecord {
    return decodeMessage(buf, IdentityRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdentityRecord>): Generator<IdentityRecordKeyPackagesKeyPackageFieldEvent | IdentityRecordKeyPackagesNotAfterFieldEvent | IdentityRecordKeyPackagesHandedOutFieldEvent | IdentityRecordSeenAtFieldEvent> {
    return streamMessage(buf, IdentityRecord.codec(), opts)
  }
}

export interface KeyPackageRecord {
  keyPackage: Uint8Array
  notAfter: bigint
  handedOut: boolean
}

export namespace KeyPackageRecord {
  let _codec: Codec<KeyPackageRecord>

  export const codec = (): Codec<KeyPackageRecord> => {
    if (_codec == null) {
      _codec = message<KeyPackageRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.keyPackage != null && obj.keyPackage.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.keyPackage)
        }

        if ((obj.notAfter != null && obj.notAfter !== 0n)) {
          w.uint32(16)
          w.uint64(obj.notAfter)
        }

        if ((obj.handedOut != null && obj.handedOut !== false)) {
          w.uint32(24)
          w.bool(obj.handedOut)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          keyPackage: uint8ArrayAlloc(0),
          notAfter: 0n,
          handedOut: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.keyPackage = reader.bytes()
              break
            }
            case 2: {
              obj.notAfter = reader.uint64()
              break
            }
            case 3: {
              obj.handedOut = reader.bool()
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
                field: `${prefix}.keyPackage`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.notAfter`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.handedOut`,
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

  export interface KeyPackageRecordKeyPackageFieldEvent {
    field: '$.keyPackage'
    value: Uint8Array
  }

  export interface KeyPackageRecordNotAfterFieldEvent {
    field: '$.notAfter'
    value: bigint
  }

  export interface KeyPackageRecordHandedOutFieldEvent {
    field: '$.handedOut'
    value: boolean
  }

  export function encode (obj: Partial<KeyPackageRecord>): Uint8Array {
    return encodeMessage(obj, KeyPackageRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyPackageRecord>): KeyPackageRecord {
    return decodeMessage(buf, KeyPackageRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyPackageRecord>): Generator<KeyPackageRecordKeyPackageFieldEvent | KeyPackageRecordNotAfterFieldEvent | KeyPackageRecordHandedOutFieldEvent> {
    return streamMessage(buf, KeyPackageRecord.codec(), opts)
  }
}
