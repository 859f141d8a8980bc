import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Predictabilities {
  entries: Predictabilities.Entry[]
}

export namespace Predictabilities {
  export interface Entry {
    tag: Uint8Array
    predictability: number
  }

  export namespace Entry {
    let _codec: Codec<Entry>

    export const codec = (): Codec<Entry> => {
      if (_codec == null) {
        _codec = message<Entry>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.tag != null && obj.tag.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.tag)
          }

          if ((obj.predictability != null && obj.predictability !== 0)) {
            w.uint32(21)
            w.float(obj.predictability)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            tag: uint8ArrayAlloc(0),
            predictability: 0
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
                obj.predictability = reader.float()
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
                  field: `${prefix}.predictability`,
                  value: reader.float()
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

    export interface EntryTagFieldEvent {
      field: '$.tag'
      value: Uint8Array
    }

    export interface EntryPredictabilityFieldEvent {
      field: '$.predictability'
      value: number
    }

    export function encode (obj: Partial<Entry>): Uint8Array {
      return encodeMessage(obj, Entry.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry {
      return decodeMessage(buf, Entry.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Generator<EntryTagFieldEvent | EntryPredictabilityFieldEvent> {
      return streamMessage(buf, Entry.codec(), opts)
    }
  }

  let _codec: Codec<Predictabilities>

  export const codec = (): Codec<Predictabilities> => {
    if (_codec == null) {
      _codec = message<Predictabilities>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(10)
            Predictabilities.Entry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(Predictabilities.Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
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
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of Predictabilities.Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

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

  export interface PredictabilitiesEntriesTagFieldEvent {
    field: '$.entries[].tag'
    value: Uint8Array
    index: number
  }

  export interface PredictabilitiesEntriesPredictabilityFieldEvent {
    field: '$.entries[].predictability'
    value: number
    index: number
  }

  export function encode (obj: Partial<Predictabilities>): Uint8Array {
    return encodeMessage(obj, Predictabilities.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Predictabilities>): Predictabilities {
    return decodeMessage(buf, Predictabilities.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Predictabilities>): Generator<PredictabilitiesEntriesTagFieldEvent | PredictabilitiesEntriesPredictabilityFieldEvent> {
    return streamMessage(buf, Predictabilities.codec(), opts)
  }
}
