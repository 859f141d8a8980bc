/**
 * Errors of the local control socket. The server sends `name`, `message` and `code` of a failed request over
 * the wire, and the client re-throws them as a `RemoteError` carrying that code.
 */

import { INTERNAL_ERROR_CODE, QpqError } from '../qpq-error.ts'

/** The base of the control socket's errors. */
export abstract class ApiError extends QpqError {}

/** `start()` found a daemon already answering on the control socket path. */
export class DaemonAlreadyRunningError extends ApiError {
  static override readonly code = 'E_API_DAEMON_ALREADY_RUNNING'
  readonly path: string

  constructor(path: string) {
    super(`a qpq-node daemon is already running on control socket ${path}`)
    this.path = path
  }
}

/** The client found no socket file, or nobody listening on it. */
export class DaemonNotRunningError extends ApiError {
  static override readonly code = 'E_API_DAEMON_NOT_RUNNING'
  readonly dataDir: string

  constructor(dataDir: string, options?: ErrorOptions) {
    super(
      `no qpq-node daemon is running for data folder ${dataDir} (start one with: qpq-node start --data ${dataDir})`,
      options
    )
    this.dataDir = dataDir
  }
}

/**
 * The daemon answered a request with an error: `remoteName` is its `name` on the daemon side, `code` its code
 * (`E_INTERNAL` when the daemon sent none). The one class without a code of its own.
 */
export class RemoteError extends ApiError {
  declare readonly code: string
  readonly remoteName: string

  constructor(remoteName: string, message: string, code: string = INTERNAL_ERROR_CODE) {
    super(message)
    this.remoteName = remoteName
    this.code = code
  }
}

/** Sent by the server when a request names a method it has no handler for. */
export class UnknownMethodError extends ApiError {
  static override readonly code = 'E_API_UNKNOWN_METHOD'

  constructor(method: string) {
    super(`unknown method: ${method}`)
  }
}

/**
 * A request the daemon cannot take: a line that is not valid UTF-8 JSON or not a `{ id, method, params }`
 * object (sent by the server), or params a handler refuses (thrown by the daemon's handlers).
 */
export class InvalidRequestError extends ApiError {
  static override readonly code = 'E_API_INVALID_REQUEST'
}

/** A request line is longer than the limit: sent by the server (which then closes), thrown by the client. */
export class RequestTooLargeError extends ApiError {
  static override readonly code = 'E_API_REQUEST_TOO_LARGE'

  constructor(limit: number) {
    super(`request line exceeds ${limit} bytes`)
  }
}

/** Sent by the server when a handler's result does not fit in one line. */
export class ResponseTooLargeError extends ApiError {
  static override readonly code = 'E_API_RESPONSE_TOO_LARGE'

  constructor(limit: number) {
    super(`response exceeds ${limit} bytes`)
  }
}

/** Sent by the server when a handler's result cannot be encoded as JSON (a BigInt, a cycle, …). */
export class ResponseEncodingError extends ApiError {
  static override readonly code = 'E_API_RESPONSE_ENCODING'
}

/** The client received something other than a well-formed answer to its request. */
export class ControlProtocolError extends ApiError {
  static override readonly code = 'E_API_PROTOCOL'
}

/** The daemon did not answer within `timeoutMs`. */
export class ControlTimeoutError extends ApiError {
  static override readonly code = 'E_API_TIMEOUT'

  constructor(timeoutMs: number) {
    super(`the qpq-node daemon did not answer within ${timeoutMs} ms`)
  }
}

/** The call was aborted through its `AbortSignal` (used when the signal's reason is not an Error). */
export class AbortError extends ApiError {
  static override readonly code = 'E_API_ABORTED'

  constructor(message = 'the operation was aborted') {
    super(message)
  }
}

/** The control socket path cannot be used: too long for a Unix socket, or occupied by something else. */
export class ControlSocketPathError extends ApiError {
  static override readonly code = 'E_API_SOCKET_PATH'
  readonly path: string

  constructor(path: string, message: string) {
    super(message)
    this.path = path
  }
}
