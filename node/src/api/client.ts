/**
 * The CLI's side of the local control socket: one connection per call.
 */

import { Buffer } from 'node:buffer'
import { createConnection } from 'node:net'
import { dirname } from 'node:path'
import { logger } from '@libp2p/logger'
import { DEFAULT_CALL_TIMEOUT_MS, MAX_LINE_BYTES } from './constants.ts'
import {
  AbortError,
  ControlProtocolError,
  ControlTimeoutError,
  DaemonNotRunningError,
  RemoteError,
  RequestTooLargeError
} from './errors.ts'
import {
  assertSocketPathFits,
  decodeJsonLine,
  encodeLine,
  isBlankLine,
  LineSplitter,
  parseResponse
} from './protocol.ts'
import type { ControlParams } from './protocol.ts'
import { checkResult, isControlMethod } from './methods.ts'
import type { ControlMethod, ParamsIn, ResultOf } from './methods.ts'

const log = logger('qpq:api')

export interface ControlClientInit {
  /** Path of the daemon's control socket. */
  path: string
  /**
   * The daemon's data folder, named in `DaemonNotRunningError`'s message.
   *
   * @default the socket's directory
   */
  dataDir?: string
  /**
   * Longest request or response line in bytes.
   *
   * @default MAX_LINE_BYTES (1 MiB)
   */
  maxLineBytes?: number
}

export interface CallOptions {
  /** Aborts the call; the promise rejects with the signal's reason (an `AbortError` if that is no Error). */
  signal?: AbortSignal
  /**
   * How long to wait for the answer, in ms; `Infinity` waits forever.
   *
   * @default DEFAULT_CALL_TIMEOUT_MS (30 s)
   */
  timeoutMs?: number
}

export interface CallDaemonOptions extends CallOptions {
  /**
   * The daemon's data folder, named in `DaemonNotRunningError`'s message.
   *
   * @default the socket's directory
   */
  dataDir?: string
}

/** Talks to a running daemon over its control socket, one connection per call. */
export class ControlClient {
  readonly path: string
  readonly dataDir: string
  private readonly maxLineBytes: number
  private nextId = 1

  constructor(init: ControlClientInit) {
    this.path = init.path
    this.dataDir = init.dataDir ?? dirname(init.path)
    this.maxLineBytes = init.maxLineBytes ?? MAX_LINE_BYTES
  }

  /**
   * Sends one request and resolves with its `result`. Throws `DaemonNotRunningError` when no daemon listens
   * on the socket, `RemoteError` (with the daemon's error code) when the daemon answers with an error,
   * `ControlTimeoutError`, `ControlProtocolError` for an answer that cannot be read, and
   * `RequestTooLargeError` before sending a request over the line limit. A method of the protocol table
   * (`CONTROL_METHODS`) is typed by it, and its result is checked against the table's schema
   * (`ControlProtocolError` when it does not match).
   */
  async call<M extends ControlMethod>(
    method: M,
    params: ParamsIn<M>,
    options?: CallOptions
  ): Promise<ResultOf<M>>
  /** Any other method, untyped (a method of the table cannot come this way with params of the wrong type). */
  async call<M extends string>(
    method: M & (M extends ControlMethod ? never : unknown),
    params?: ControlParams,
    options?: CallOptions
  ): Promise<unknown>
  async call(method: string, params: ControlParams = {}, options: CallOptions = {}): Promise<unknown> {
    const result = await this.request(method, params, options)
    if (!isControlMethod(method)) return result
    const checked = checkResult(method, result)
    if (checked === undefined)
      throw new ControlProtocolError(`the daemon's answer to ${method} does not match the control protocol`)
    return checked
  }

  /** One request and its raw `result`. */
  private async request(method: string, params: ControlParams, options: CallOptions): Promise<unknown> {
    const { signal } = options
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS
    if (signal?.aborted === true) throw abortReason(signal)
    assertSocketPathFits(this.path)
    const id = this.nextId++
    const line = encodeLine({ id, method, params })
    if (Buffer.byteLength(line) - 1 > this.maxLineBytes) throw new RequestTooLargeError(this.maxLineBytes)

    return await new Promise<unknown>((resolve, reject) => {
      const socket = createConnection({ path: this.path })
      const splitter = new LineSplitter(this.maxLineBytes)
      let connected = false
      let settled = false
      let timer: NodeJS.Timeout | undefined

      const onAbort = (): void => {
        finish(abortReason(signal))
      }
      const finish = (outcome: Error | { result: unknown }): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        socket.destroy()
        if (outcome instanceof Error) reject(outcome)
        else resolve(outcome.result)
      }

      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          finish(new ControlTimeoutError(timeoutMs))
        }, timeoutMs)
      }
      signal?.addEventListener('abort', onAbort, { once: true })

      socket.once('connect', () => {
        connected = true
      })
      socket.on('data', (chunk: Buffer) => {
        const { lines, overflow } = splitter.push(chunk)
        for (const responseLine of lines) {
          if (isBlankLine(responseLine)) continue
          const decoded = decodeJsonLine(responseLine)
          const response = decoded === undefined ? undefined : parseResponse(decoded.value)
          if (response === undefined) {
            finish(new ControlProtocolError('the daemon sent a line that is not a control response'))
            return
          }
          if (response.error !== undefined) {
            if (response.id === id || response.id === null) {
              finish(new RemoteError(response.error.name, response.error.message, response.error.code))
              return
            }
          } else if (response.id === id) {
            finish({ result: response.result })
            return
          }
        }
        if (overflow)
          finish(new ControlProtocolError(`the daemon sent a line over ${this.maxLineBytes} bytes`))
      })
      socket.on('error', (err) => {
        const code = 'code' in err ? err.code : undefined
        if (!connected && (code === 'ENOENT' || code === 'ECONNREFUSED')) {
          log('no daemon on %s (%s)', this.path, code)
          finish(new DaemonNotRunningError(this.dataDir, { cause: err }))
        } else {
          finish(err)
        }
      })
      socket.on('close', () => {
        finish(new ControlProtocolError('the daemon closed the connection without answering'))
      })

      socket.write(line)
    })
  }
}

/**
 * Connects to the daemon's control socket at `path`, sends one request, awaits the answer and closes.
 * See `ControlClient.call` for the errors.
 */
export async function callDaemon(
  path: string,
  method: string,
  params: ControlParams = {},
  options: CallDaemonOptions = {}
): Promise<unknown> {
  const client = new ControlClient(
    options.dataDir === undefined ? { path } : { path, dataDir: options.dataDir }
  )
  return await client.call(method, params, options)
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason
  return reason instanceof Error ? reason : new AbortError()
}
