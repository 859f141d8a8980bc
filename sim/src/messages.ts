import { hash } from 'node:crypto'
import { TAG_BYTES } from '../../node/src/identity/constants.ts'
import { encodeEnvelopeContent, readHeader } from '../../node/src/wire/index.ts'
import type { EnvelopeHeader } from '../../node/src/wire/index.ts'
import type { MessageEvent } from './trace.ts'

/** A simulated message as its source's engine gets it: real envelope bytes, scaled down in size. */
export interface SimMessage {
  index: number
  event: MessageEvent
  content: Uint8Array
  /** The header every copy of the message has (read once, as every node would read it); its id is hex. */
  header: EnvelopeHeader
  secret: Uint8Array
  /** Seconds. */
  expiresAt: number
}

/** Node `index`'s recipient tag. */
export function nodeTag(index: number): Uint8Array {
  const tag = new Uint8Array(TAG_BYTES)
  tag[0] = 0x51
  new DataView(tag.buffer).setUint32(TAG_BYTES - 4, index)
  return tag
}

/** Smallest content an envelope can have: its header fields around an empty payload. */
const HEADER_ALLOWANCE = 128

/**
 * Bytes of a message stand for `scale` simulated bytes, so a 1 MB message
 * travels as a 1 kB envelope: the engine and store handle real envelopes,
 * while memory and hashing stay small. The scale is a power of ten that
 * leaves the smallest message at least a few hundred real bytes, so rounding
 * changes no size by more than a fraction of a percent.
 */
export function byteScale(messages: readonly MessageEvent[]): number {
  let smallest = Infinity
  for (const { size } of messages) smallest = Math.min(smallest, size)
  if (!Number.isFinite(smallest)) return 1
  let scale = 1
  while (smallest / (scale * 10) >= HEADER_ALLOWANCE * 2) scale *= 10
  return scale
}

/**
 * Builds the envelope of a message: content of `round(size / scale)` bytes
 * (at least the header), a receipt secret derived from the seed and the
 * message's index, expiring `ttl` seconds after creation.
 */
export function buildMessage(
  event: MessageEvent,
  index: number,
  options: { ttl: number; scale: number; seed: number }
): SimMessage {
  const secret = hash('sha256', `qpq-sim/${options.seed}/${index}`, 'buffer')
  const expiresAt = event.time + options.ttl
  const target = Math.max(1, Math.round(event.size / options.scale))
  const tag = nodeTag(event.to)
  const receiptHash = hash('sha256', secret, 'buffer')
  const make = (payloadBytes: number) =>
    encodeEnvelopeContent({
      tag,
      expiresAt: Math.round(expiresAt * 1000),
      priority: event.priority,
      receiptHash,
      payload: zeros(Math.max(0, payloadBytes))
    })
  let payload = target
  let content = make(payload)
  for (let tries = 0; tries < 4 && content.length !== target && payload > 0; tries++) {
    payload += target - content.length
    content = make(payload)
  }
  return { index, event, content, header: readHeader(content), secret, expiresAt }
}

/** Payloads are zeros (only their size matters): views of one buffer, grown as needed, not one each. */
let zeroBuffer = new Uint8Array(0)

function zeros(length: number): Uint8Array {
  if (zeroBuffer.length < length) zeroBuffer = new Uint8Array(Math.max(length, 2 * zeroBuffer.length))
  return zeroBuffer.subarray(0, length)
}
