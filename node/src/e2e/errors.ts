export class SealOpenError extends Error {
  override name = 'SealOpenError'
}
