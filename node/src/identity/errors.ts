export class InvalidAddressError extends Error {
  override name = 'InvalidAddressError'
}

export class IdentityExistsError extends Error {
  override name = 'IdentityExistsError'
}

export class IdentityMissingError extends Error {
  override name = 'IdentityMissingError'
}
