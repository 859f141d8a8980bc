/** Bytes from a peer that are not an envelope (or not its content): `code` is stable, the message says why. */
export class MalformedEnvelopeError extends Error {
  static readonly CODE = 'MALFORMED_ENVELOPE'
  override name = 'MalformedEnvelopeError'
  readonly code = MalformedEnvelopeError.CODE
}

export class OversizeEnvelopeError extends Error {
  override name = 'OversizeEnvelopeError'
}

/** Bytes from a peer that are not the protobuf message expected: a frame, an announcement, a table, a payload. */
export class MalformedMessageError extends Error {
  static readonly CODE = 'MALFORMED_MESSAGE'
  override name = 'MalformedMessageError'
  readonly code = MalformedMessageError.CODE

  constructor(
    /** The protobuf message expected, as `MeshFrame`. */
    readonly messageType: string,
    reason: string,
    options?: ErrorOptions
  ) {
    super(`malformed ${messageType}: ${reason}`, options)
  }
}
