import { hash } from 'node:crypto'
import { ENVELOPE_VERSION, MAX_ENVELOPE_BYTES } from './constants.ts'
import { MalformedEnvelopeError, OversizeEnvelopeError } from './errors.ts'
import { fromHex, toHex } from './hex.ts'
import {
  bytesFieldLength,
  FieldReader,
  fieldKey,
  LENGTH_DELIMITED,
  VARINT,
  varintFieldLength,
  varintLength,
  writeBytesField,
  writeVarint,
  writeVarintField
} from './protobuf.ts'

export type Priority = 'critical' | 'normal' | 'low'

/** The priorities by their number on the wire (envelope.proto's enum). */
const PRIORITY_NUMBERS: readonly Priority[] = ['normal', 'critical', 'low']

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

/**
 * The content bytes alone, without reading back their header (and hashing them): the bytes
 * `EnvelopeContent.encode` gives (`protobuf.ts` says why it is written directly).
 */
export function encodeEnvelopeContent(envelope: NewEnvelope): Uint8Array {
  const { tag, expiresAt, receiptHash, payload } = envelope
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) {
    throw new RangeError(`expiry ${expiresAt} is not a time in milliseconds`)
  }
  const priority = PRIORITY_NUMBERS.indexOf(envelope.priority)
  const bytes = Buffer.allocUnsafe(
    varintFieldLength(ENVELOPE_VERSION) +
      bytesFieldLength(tag) +
      varintFieldLength(expiresAt) +
      varintFieldLength(priority) +
      bytesFieldLength(receiptHash) +
      bytesFieldLength(payload)
  )
  let at = writeVarintField(bytes, 0, VERSION_KEY, ENVELOPE_VERSION)
  at = writeBytesField(bytes, at, RECIPIENT_TAG_KEY, tag)
  at = writeVarintField(bytes, at, EXPIRES_AT_KEY, expiresAt)
  at = writeVarintField(bytes, at, PRIORITY_KEY, priority)
  at = writeBytesField(bytes, at, RECEIPT_HASH_KEY, receiptHash)
  writeBytesField(bytes, at, PAYLOAD_KEY, payload)
  return bytes
}

/** Keys of the Envelope fields (envelope.proto). */
const CONTENT_KEY = fieldKey(1, LENGTH_DELIMITED)
const HOPS_LEFT_KEY = fieldKey(2, VARINT)
const COPIES_KEY = fieldKey(3, VARINT)

/** Keys of the EnvelopeContent fields (envelope.proto). */
const VERSION_KEY = fieldKey(1, VARINT)
const RECIPIENT_TAG_KEY = fieldKey(2, LENGTH_DELIMITED)
const EXPIRES_AT_KEY = fieldKey(3, VARINT)
const PRIORITY_KEY = fieldKey(4, VARINT)
const RECEIPT_HASH_KEY = fieldKey(5, LENGTH_DELIMITED)
const PAYLOAD_KEY = fieldKey(6, LENGTH_DELIMITED)

const NO_BYTES: Uint8Array = new Uint8Array(0)

/** The bytes `Envelope.encode` gives (`protobuf.ts` says why it is written directly). */
export function encodeEnvelope(content: Uint8Array, hopsLeft: number, copies?: number): Uint8Array {
  // `copies` is an optional field: written when set, even to zero.
  const bytes = Buffer.allocUnsafe(
    bytesFieldLength(content) +
      varintFieldLength(hopsLeft) +
      (copies === undefined ? 0 : 1 + varintLength(copies))
  )
  let at = writeBytesField(bytes, 0, CONTENT_KEY, content)
  at = writeVarintField(bytes, at, HOPS_LEFT_KEY, hopsLeft)
  if (copies !== undefined) {
    bytes[at++] = COPIES_KEY
    writeVarint(bytes, at, copies)
  }
  return bytes
}

/** What `Envelope.decode` gives, read directly (see `protobuf.ts`); a RangeError where it is not one. */
function readEnvelope(bytes: Uint8Array): { content: Uint8Array; hopsLeft: number; copies?: number } {
  const fields = new FieldReader(bytes)
  let content = NO_BYTES
  let hopsLeft = 0
  let copies: number | undefined
  while (!fields.done) {
    const key = fields.varint()
    if (key === CONTENT_KEY) content = fields.lengthDelimited()
    else if (key === HOPS_LEFT_KEY) hopsLeft = fields.uint32()
    else if (key === COPIES_KEY) copies = fields.uint32()
    else fields.skip(key)
  }
  return copies === undefined ? { content, hopsLeft } : { content, hopsLeft, copies }
}

/** EnvelopeContent's fields as the header needs them. */
interface ContentFields {
  version: number
  recipientTag: Uint8Array
  expiresAt: number
  priority: Priority
  receiptHash: Uint8Array
  payload: Uint8Array
}

/**
 * What `EnvelopeContent.decode` gives, read directly (see `protobuf.ts`), with the expiry as a number; a
 * RangeError where it is not one, or where its priority is not one of ours.
 */
function readContent(content: Uint8Array): ContentFields {
  const fields = new FieldReader(content)
  const decoded: ContentFields = {
    version: 0,
    recipientTag: NO_BYTES,
    expiresAt: 0,
    priority: 'normal',
    receiptHash: NO_BYTES,
    payload: NO_BYTES
  }
  while (!fields.done) {
    const key = fields.varint()
    if (key === VERSION_KEY) decoded.version = fields.uint32()
    else if (key === RECIPIENT_TAG_KEY) decoded.recipientTag = fields.lengthDelimited()
    else if (key === EXPIRES_AT_KEY) decoded.expiresAt = fields.varint()
    else if (key === PRIORITY_KEY) decoded.priority = priorityOf(fields.varint())
    else if (key === RECEIPT_HASH_KEY) decoded.receiptHash = fields.lengthDelimited()
    else if (key === PAYLOAD_KEY) decoded.payload = fields.lengthDelimited()
    else fields.skip(key)
  }
  return decoded
}

function priorityOf(number: number): Priority {
  const priority = PRIORITY_NUMBERS[number]
  if (priority === undefined) throw new RangeError(`unknown priority ${number}`)
  return priority
}

/** Decodes an envelope from a peer, enforcing the format and the size limit. */
export function decodeEnvelope(bytes: Uint8Array, limits: EnvelopeLimits): DecodedEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) {
    throw new OversizeEnvelopeError(`envelope of ${bytes.length} bytes exceeds ${MAX_ENVELOPE_BYTES}`)
  }
  let envelope: ReturnType<typeof readEnvelope>
  try {
    envelope = readEnvelope(bytes)
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
  const decoded = decodeContent(content)
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
  const hexId = id ?? envelopeId(content)
  return {
    id: hexId,
    idBytes: fromHex(hexId),
    tag: toHex(decoded.recipientTag),
    expiresAt: decoded.expiresAt,
    priority: decoded.priority,
    receiptHash: toHex(decoded.receiptHash),
    size: content.length
  }
}

/** The payload of content bytes, for the end-to-end layer at the recipient. */
export function readPayload(content: Uint8Array): Uint8Array {
  return decodeContent(content).payload
}

/** `readContent`, refusing bytes that are not content as malformed. */
function decodeContent(content: Uint8Array): ContentFields {
  try {
    return readContent(content)
  } catch (err) {
    throw new MalformedEnvelopeError(`envelope content does not decode: ${(err as Error).message}`)
  }
}

/** Hex output: `hash(…, 'buffer')` takes a slow path that costs twice this and the hex decode together. */
export function envelopeId(content: Uint8Array): string {
  return hash('sha256', content, 'hex')
}
