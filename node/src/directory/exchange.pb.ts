import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface KeyPackageSummary {
  digests: Uint8Array[]
}

export namespace KeyPackageSummary {
  let _codec: Codec<KeyPackageSummary>

  export const codec = (): Codec<KeyPackageSummary> => {
    if (_codec == null) {
      _codec = message<KeyPackageSummary>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.digests != null && obj.digests.length > 0) {
          for (const value of obj.digests) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          digests: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.digests != null && obj.digests.length === opts.limits.digests) {
                throw new MaxLengthError('Decode error - repeated field "digests" had too many elements')
              }

              obj.digests.push(reader.bytes())
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
          digests: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.digests != null && obj.digests === opts.limits.digests) {
                throw new MaxLengthError('Streaming decode error - repeated field "digests" had too many elements')
              }

              yield {
                field: `${prefix}.digests[]`,
                index: obj.digests,
                value: reader.bytes()
              }

              obj.digests++

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

  export interface KeyPackageSummaryDigestsFieldEvent {
    field: '$.digests[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<KeyPackageSummary>): Uint8Array {
    return encodeMessage(obj, KeyPackageSummary.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyPackageSummary>): KeyPackageSummary {
    return decodeMessage(buf, KeyPackageSummary.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyPackageSummary>): Generator<KeyPackageSummaryDigestsFieldEvent> {
    return streamMessage(buf, KeyPackageSummary.codec(), opts)
  }
}

export interface KeyPackageAnswer {
  keyPackages: Uint8Array[]
}

export namespace KeyPackageAnswer {
  let _codec: Codec<KeyPackageAnswer>

  export const codec = (): Codec<KeyPackageAnswer> => {
    if (_codec == null) {
      _codec = message<KeyPackageAnswer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.keyPackages != null && obj.keyPackages.length > 0) {
          for (const value of obj.keyPackages) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          keyPackages: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.keyPackages != null && obj.keyPackages.length === opts.limits.keyPackages) {
                throw new MaxLengthError('Decode error - repeated field "keyPackages" had too many elements')
              }

              obj.keyPackages.push(reader.bytes())
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

              yield {
                field: `${prefix}.keyPackages[]`,
                index: obj.keyPackages,
                value: reader.bytes()
              }

              obj.keyPackages++

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

  export interface KeyPackageAnswerKeyPackagesFieldEvent {
    field: '$.keyPackages[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<KeyPackageAnswer>): Uint8Array {
    return encodeMessage(obj, KeyPackageAnswer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyPackageAnswer>): KeyPackageAnswer {
    return decodeMessage(buf, KeyPackageAnswer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyPackageAnswer>): Generator<KeyPackageAnswerKeyPackagesFieldEvent> {
    return streamMessage(buf, KeyPackageAnswer.codec(), opts)
  }
}
