/**
 * Errors of the local control socket. Each class sets `name`; the server sends `name` and `message` of a
 * failed request over the wire, and the client re-throws them as a `RemoteError`.
 */

/** `start()` found a daemon already answering on the control socket path. */
export class DaemonAlreadyRunningError extends Error {
  static readonly NAME = 'DaemonAlreadyRunningError'
  readonly path: string

  constructor(path: string) {
    super(`a qpq-node daemon is already running on control socket ${path}`)
    this.name = DaemonAlreadyRunningError.NAME
    this.path = path
  }
}

/** The client found no socket file, or nobody listening on it. */
export class DaemonNotRunningError extends Error {
  static readonly NAME = 'DaemonNotRunningError'
  readonly dataDir: string

  constructor(dataDir: string, options?: ErrorOptions) {
    super(
      `no qpq-node daemon is running for data folder ${dataDir} (start one with: qpq-node start --data ${dataDir})`,
      options
    )
    this.name = DaemonNotRunningError.NAME
    this.dataDir = dataDir
  }
}

/** The daemon answered a request with an error; `remoteName` is the `name` of the error on the daemon side. */
export class RemoteError extends Error {
  static readonly NAME = 'RemoteError'
  readonly remoteName: string

  constructor(remoteName: string, message: string) {
    super(message)
    this.name = RemoteError.NAME
    this.remoteName = remoteName
  }
}

/** Sent by the server when a request names a method it has no handler for. */
export class UnknownMethodError extends Error {
  static readonly NAME = 'UnknownMethodError'

  constructor(method: string) {
    super(`unknown method: ${method}`)
    this.name = UnknownMethodError.NAME
  }
}

/** Sent by the server for a line that is not valid UTF-8 JSON or not a `{ id, method, params }` object. */
export class InvalidRequestError extends Error {
  static readonly NAME = 'InvalidRequestError'

  constructor(message: string) {
    super(message)
    this.name = InvalidRequestError.NAME
  }
}

/** A request line is longer than the limit: sent by the server (which then closes), thrown by the client. */
export class RequestTooLargeError extends Error {
  static readonly NAME = 'RequestTooLargeError'

  constructor(limit: number) {
    super(`request line exceeds ${limit} bytes`)
    this.name = RequestTooLargeError.NAME
  }
}

/** Sent by the server when a handler's result does not fit in one line. */
export class ResponseTooLargeError extends Error {
  static readonly NAME = 'ResponseTooLargeError'

  constructor(limit: number) {
    super(`response exceeds ${limit} bytes`)
    this.name = ResponseTooLargeError.NAME
  }
}

/** Sent by the server when a handler's result cannot be encoded as JSON (a BigInt, a cycle, …). */
export class ResponseEncodingError extends Error {
  static readonly NAME = 'ResponseEncodingError'

  constructor(message: string) {
    super(message)
    this.name = ResponseEncodingError.NAME
  }
}

/** The client received something other than a well-formed answer to its request. */
export class ControlProtocolError extends Error {
  static readonly NAME = 'ControlProtocolError'

  constructor(message: string) {
    super(message)
    this.name = ControlProtocolError.NAME
  }
}

/** The daemon did not answer within `timeoutMs`. */
export class ControlTimeoutError extends Error {
  static readonly NAME = 'ControlTimeoutError'

  constructor(timeoutMs: number) {
    super(`the qpq-node daemon did not answer within ${timeoutMs} ms`)
    this.name = ControlTimeoutError.NAME
  }
}

/** The call was aborted through its `AbortSignal` (used when the signal's reason is not an Error). */
export class AbortError extends Error {
  static readonly NAME = 'AbortError'

  constructor(message = 'the operation was aborted') {
    super(message)
    this.name = AbortError.NAME
  }
}

/** The control socket path cannot be used: too long for a Unix socket, or occupied by something else. */
export class ControlSocketPathError extends Error {
  static readonly NAME = 'ControlSocketPathError'
  readonly path: string

  constructor(path: string, message: string) {
    super(message)
    this.name = ControlSocketPathError.NAME
    this.path = path
  }
}
