import { QpqError } from '../qpq-error.ts'

/** The base of the identity layer's errors: addresses and key files. */
export abstract class IdentityError extends QpqError {}

/** A string that is not a `qpq1…` address, or a key of the wrong length. */
export class InvalidAddressError extends IdentityError {
  static override readonly code = 'E_IDENTITY_INVALID_ADDRESS'
}

/** `init` found an identity in the data folder: it is never overwritten. */
export class IdentityExistsError extends IdentityError {
  static override readonly code = 'E_IDENTITY_EXISTS'
}

/** The data folder holds no identity (run `qpq-node init`). */
export class IdentityMissingError extends IdentityError {
  static override readonly code = 'E_IDENTITY_MISSING'
}
