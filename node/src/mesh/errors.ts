/** Why the operating system refused a listen address, as `ListenError.code`. */
export type ListenFailure = 'EADDRINUSE' | 'EADDRNOTAVAIL' | 'EACCES' | 'OTHER'

/** A configured listen address could not be listened on at start: a port in use, an address not here. */
export class ListenError extends Error {
  static readonly NAME = 'ListenError'
  readonly address: string
  readonly code: ListenFailure

  constructor(address: string, code: ListenFailure, reason: string) {
    super(`cannot listen on ${address} (network.listen): ${reason}`)
    this.name = ListenError.NAME
    this.address = address
    this.code = code
  }
}
