/** A message, key package or state that MLS refuses: malformed, not for us, or failing authentication. */
export class MlsRejectedError extends Error {
  override name = 'MlsRejectedError'
}
