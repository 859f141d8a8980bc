import { hash } from 'node:crypto'
import { ENVELOPE_VERSION, MAX_ENVELOPE_BYTES } from './constants.ts'
import { Envelope, EnvelopeContent } from './envelope.pb.ts'
import { MalformedEnvelopeError, OversizeEnvelopeError } from './errors.ts'
import { fromHex, toHex } from './hex.ts'

export type Priority = 'critical' | 'normal' | 'low'

const toWire = {
  critical: EnvelopeContent.Priority.CRITICAL,
  normal: EnvelopeContent.Priority.NORMAL,
  low: EnvelopeContent.Priority.LOW
} as const satisfies Record<Priority, EnvelopeContent.Priority>

const fromWire: Record<EnvelopeContent.Priority, Priority> = {
  [EnvelopeContent.Priority.CRITICAL]: 'critical',
  [EnvelopeContent.Priority.NORMAL]: 'normal',
  [EnvelopeContent.Priority.LOW]: 'low'
}

/** What every node may read of an envelope: its routing header, never the payload's meaning. */
export interface EnvelopeHeader {
  /** Hex SHA-256 of the content bytes. */
  id: string
  /** The same id as bytes, as it travels in offers, requests and acks. */
  idBytes: Uint8Array
  /** Hex recipient tag. */
  tag: string
  expiresAt: number
  priority: Priority
  /** Hex SHA-256 of the receipt secret. */
  receiptHash: string
  /** Size of the content in bytes. */
  size: number
}

export interface NewEnvelope {
  tag: Uint8Array
  expiresAt: number
  priority: Priority
  receiptHash: Uint8Array
  payload: Uint8Array
}

export interface DecodedEnvelope {
  content: Uint8Array
  hopsLeft: number
  /** Copies the receiver may hand on, when the sender's strategy counts them. */
  copies?: number
  header: EnvelopeHeader
}

export interface EnvelopeLimits {
  maxPayloadBytes: number
}

const UNLIMITED: EnvelopeLimits = { maxPayloadBytes: Infinity }

export function createEnvelopeContent(envelope: NewEnvelope): {
  content: Uint8Array
  header: EnvelopeHeader
} {
  const content = encodeEnvelopeContent(envelope)
  return { content, header: readHeader(content, UNLIMITED) }
}

/** The content bytes alone, without reading back their header (and hashing them). */
export function encodeEnvelopeContent(envelope: NewEnvelope): Uint8Array {
  return EnvelopeContent.encode({
    version: ENVELOPE_VERSION,
    recipientTag: envelope.tag,
    expiresAt: BigInt(envelope.expiresAt),
    priority: toWire[envelope.priority],
    receiptHash: envelope.receiptHash,
    payload: envelope.payload
  })
}

/** Keys of the Envelope fields (envelope.proto): field number << 3 | wire type (2: bytes, 0: varint). */
const CONTENT_KEY = (1 << 3) | 2
const HOPS_LEFT_KEY = 2 << 3
const COPIES_KEY = 3 << 3

/**
 * The bytes `Envelope.encode` gives, written directly: every envelope a node sends goes through here, and
 * protons' general writer costs several times the copy of the content (the wire test holds them equal).
 */
export function encodeEnvelope(content: Uint8Array, hopsLeft: number, copies?: number): Uint8Array {
  let size = content.length > 0 ? 1 + varintLength(content.length) + content.length : 0
  if (hopsLeft !== 0) size += 1 + varintLength(hopsLeft)
  if (copies !== undefined) size += 1 + varintLength(copies)
  const bytes = Buffer.allocUnsafe(size)
  let at = 0
  if (content.length > 0) {
    bytes[at++] = CONTENT_KEY
    at = writeVarint(bytes, at, content.length)
    bytes.set(content, at)
    at += content.length
  }
  if (hopsLeft !== 0) {
    bytes[at++] = HOPS_LEFT_KEY
    at = writeVarint(bytes, at, hopsLeft)
  }
  if (copies !== undefined) {
    bytes[at++] = COPIES_KEY
    writeVarint(bytes, at, copies)
  }
  return bytes
}

/** Bytes of the varint of an unsigned 32-bit value. */
function varintLength(value: number): number {
  let length = 1
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) length++
  return length
}

/** Writes a varint of an unsigned 32-bit value at `at`; returns the offset after it. */
function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  let rest = value >>> 0
  while (rest > 0x7f) {
    bytes[at++] = (rest & 0x7f) | 0x80
    rest >>>= 7
  }
  bytes[at++] = rest
  return at
}

/** Decodes an envelope from a peer, enforcing the format and the size limit. */
export function decodeEnvelope(bytes: Uint8Array, limits: EnvelopeLimits): DecodedEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) {
    throw new OversizeEnvelopeError(`envelope of ${bytes.length} bytes exceeds ${MAX_ENVELOPE_BYTES}`)
  }
  let envelope: Envelope
  try {
    envelope = Envelope.decode(bytes)
  } catch (err) {
    throw new MalformedEnvelopeError(`envelope does not decode: ${(err as Error).message}`)
  }
  return {
    content: envelope.content,
    hopsLeft: envelope.hopsLeft,
    ...(envelope.copies === undefined ? {} : { copies: envelope.copies }),
    header: readHeader(envelope.content, limits)
  }
}

/**
 * Reads and checks the header of content bytes, as received or as stored
 * (`limits` omitted; `id` given when the store already knows it, sparing the hash).
 */
export function readHeader(
  content: Uint8Array,
  limits: EnvelopeLimits = UNLIMITED,
  id?: string
): EnvelopeHeader {
  let decoded: EnvelopeContent
  try {
    decoded = EnvelopeContent.decode(content)
  } catch (err) {
    throw new MalformedEnvelopeError(`envelope content does not decode: ${(err as Error).message}`)
  }
  if (decoded.version !== ENVELOPE_VERSION) {
    throw new MalformedEnvelopeError(`unknown envelope version ${decoded.version}`)
  }
  if (decoded.recipientTag.length === 0 || decoded.receiptHash.length !== 32) {
    throw new MalformedEnvelopeError('envelope lacks a recipient tag or receipt hash')
  }
  if (decoded.payload.length > limits.maxPayloadBytes) {
    throw new OversizeEnvelopeError(
      `payload of ${decoded.payload.length} bytes exceeds the limit of ${limits.maxPayloadBytes}`
    )
  }
  const idBytes = id === undefined ? sha256(content) : fromHex(id)
  return {
    id: id ?? toHex(idBytes),
    idBytes,
    tag: toHex(decoded.recipientTag),
    expiresAt: Number(decoded.expiresAt),
    priority: fromWire[decoded.priority],
    receiptHash: toHex(decoded.receiptHash),
    size: content.length
  }
}

/** The payload of content bytes, for the end-to-end layer at the recipient. */
export function readPayload(content: Uint8Array): Uint8Array {
  return EnvelopeContent.decode(content).payload
}

export function envelopeId(content: Uint8Array): string {
  return hash('sha256', content, 'hex')
}

function sha256(content: Uint8Array): Uint8Array {
  const digest = hash('sha256', content, 'buffer')
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}
