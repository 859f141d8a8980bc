import { QpqError } from '../qpq-error.ts'

/** The base of the mesh layer's errors. */
export abstract class MeshError extends QpqError {}

/** Why the operating system refused a listen address, as `ListenError.failure`. */
export type ListenFailure = 'EADDRINUSE' | 'EADDRNOTAVAIL' | 'EACCES' | 'OTHER'

/** A configured listen address could not be listened on at start: a port in use, an address not here. */
export class ListenError extends MeshError {
  static override readonly code = 'E_MESH_LISTEN'
  readonly address: string
  readonly failure: ListenFailure

  constructor(address: string, failure: ListenFailure, reason: string) {
    super(`cannot listen on ${address} (network.listen): ${reason}`)
    this.address = address
    this.failure = failure
  }
}
