/** A text to send that is longer than `envelope.max_payload_bytes`: refused before anything is queued. */
export class TextTooLongError extends Error {
  static readonly NAME = 'TextTooLongError'
  override name = TextTooLongError.NAME
}

/** A text to send that cannot be read (a missing file) or is not valid UTF-8. */
export class TextInputError extends Error {
  static readonly NAME = 'TextInputError'
  override name = TextInputError.NAME
}
