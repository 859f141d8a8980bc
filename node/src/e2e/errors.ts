import { QpqError } from '../qpq-error.ts'

/** The base of the e2e layer's errors: the sealed payload. */
export abstract class E2eError extends QpqError {}

/** A sealed payload that does not open for this identity: too short, altered, malformed or of an unknown kind. */
export class SealOpenError extends E2eError {
  static override readonly code = 'E_E2E_SEAL_OPEN'
}
