export class MalformedEnvelopeError extends Error {
  override name = 'MalformedEnvelopeError'
}

export class OversizeEnvelopeError extends Error {
  override name = 'OversizeEnvelopeError'
}
