import { reader } from 'protons-runtime'
import type { Codec, DecodeOptions, Reader } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'
import { MalformedMessageError } from './errors.ts'

/**
 * Groups (wire types 3 and 4) nested deeper than this are refused. None of our messages has a group; a peer's
 * bytes may still hold them as unknown fields, which protobuf readers skip, and protons skips them by
 * recursion, one stack frame per level: a frame of nested group starts overflows the stack.
 */
export const MAX_GROUP_DEPTH = 16

const START_GROUP = 3
const END_GROUP = 4

/** What protons generates for a message: a namespace with its codec. */
interface ProtobufMessage<T> {
  codec: () => Codec<T>
}

/** A decoder of one message type for bytes from a peer, in the shape `pbStream().read` takes. */
export interface PeerDecoder<T> {
  decode: (bytes: Uint8Array | Uint8ArrayList, options?: DecodeOptions<T>) => T
}

/**
 * The decoder of `message` for bytes a peer sent: unknown fields are skipped without recursion, groups are
 * nested at most MAX_GROUP_DEPTH deep, and whatever the bytes, a failure is a MalformedMessageError naming
 * `messageType`.
 */
export function peerDecoder<T>(messageType: string, message: ProtobufMessage<T>): PeerDecoder<T> {
  return {
    decode(bytes, options) {
      const fields = reader(bytes instanceof Uint8Array ? bytes : bytes.subarray())
      fields.skipType = skipIteratively
      try {
        return message.codec().decode(fields, undefined, options)
      } catch (err) {
        throw new MalformedMessageError(messageType, (err as Error).message, { cause: err })
      }
    }
  }
}

/** `Reader.skipType` without recursion: a group is read to its end as a sequence of fields and depths. */
function skipIteratively(this: Reader, wireType: number): Reader {
  let type = wireType
  let depth = 0
  for (;;) {
    switch (type) {
      case 0:
        this.skip()
        break
      case 1:
        this.skip(8)
        break
      case 2:
        this.skip(this.uint32())
        break
      case START_GROUP:
        if (++depth > MAX_GROUP_DEPTH) throw new RangeError(`groups nested deeper than ${MAX_GROUP_DEPTH}`)
        break
      case END_GROUP:
        if (depth === 0) throw new RangeError(`an end of group that no group started at offset ${this.pos}`)
        depth--
        break
      case 5:
        this.skip(4)
        break
      default:
        throw new RangeError(`invalid wire type ${type} at offset ${this.pos}`)
    }
    // Every turn reads at least one byte, and the reader throws at the end of the bytes.
    if (depth === 0) return this
    type = this.uint32() & 7
  }
}
