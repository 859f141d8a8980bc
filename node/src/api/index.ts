/**
 * The local control socket: the daemon serves newline-delimited JSON requests on an owner-only Unix socket
 * inside its data folder, and the `qpq-node` CLI calls it.
 *
 * @example
 *
 * ```TypeScript
 * const server = new ControlServer({ path: controlSocketPath(dataDir), handlers: { ping: async () => 'pong' } })
 * await server.start()
 * await callDaemon(controlSocketPath(dataDir), 'ping', {}, { dataDir }) // 'pong'
 * await server.stop()
 * ```
 */

import { join } from 'node:path'
import { CONTROL_SOCKET_NAME } from './constants.ts'

export { ControlServer } from './server.ts'
export type { ControlHandler, ControlHandlerContext, ControlHandlers, ControlServerInit } from './server.ts'
export { ControlClient, callDaemon } from './client.ts'
export type { CallDaemonOptions, CallOptions, ControlClientInit } from './client.ts'
export type { ControlParams, ControlRequest, ControlResponse, ErrorInfo } from './protocol.ts'
export { CONTROL_METHODS, checkResult, isControlMethod, parseParams, tableHandlers } from './methods.ts'
export type {
  ControlMethod,
  ControlMethods,
  DirectoryStatus,
  GroupChange,
  IdResult,
  InboxMessage,
  InboxPage,
  MethodHandlers,
  OutboxItem,
  ParamsIn,
  ParamsOf,
  PeerResult,
  ResultOf,
  StatusResult
} from './methods.ts'
export { CONTROL_SOCKET_NAME, DEFAULT_CALL_TIMEOUT_MS, MAX_LINE_BYTES } from './constants.ts'
export {
  AbortError,
  ApiError,
  ControlProtocolError,
  ControlSocketPathError,
  ControlTimeoutError,
  DaemonAlreadyRunningError,
  DaemonNotRunningError,
  InvalidRequestError,
  RemoteError,
  RequestTooLargeError,
  ResponseEncodingError,
  ResponseTooLargeError,
  UnknownMethodError
} from './errors.ts'

/** The default control socket path for a data folder: `<dataDir>/control.sock`. */
export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET_NAME)
}
