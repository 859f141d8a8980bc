import { QpqError } from '../qpq-error.ts'

/** The base of the wire layer's errors: bytes that are not what the protocol expects. */
export abstract class WireError extends QpqError {}

/** Bytes from a peer that are not an envelope (or not its content); the message says why. */
export class MalformedEnvelopeError extends WireError {
  static override readonly code = 'E_WIRE_MALFORMED_ENVELOPE'
}

/** An envelope, or its payload, over the size limit. */
export class OversizeEnvelopeError extends WireError {
  static override readonly code = 'E_WIRE_OVERSIZE_ENVELOPE'
}

/** Bytes from a peer that are not the protobuf message expected: a frame, an announcement, a table, a payload. */
export class MalformedMessageError extends WireError {
  static override readonly code = 'E_WIRE_MALFORMED_MESSAGE'

  constructor(
    /** The protobuf message expected, as `MeshFrame`. */
    readonly messageType: string,
    reason: string,
    options?: ErrorOptions
  ) {
    super(`malformed ${messageType}: ${reason}`, options)
  }
}
