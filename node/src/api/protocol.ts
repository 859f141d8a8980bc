/**
 * Wire format of the control socket: newline-delimited JSON, one object per line.
 *
 * - request: `{"id": <safe integer>, "method": <string>, "params": <object>}` (`params` may be omitted)
 * - success: `{"id": <id>, "result": <any JSON value>}` (`null` when the handler returned `undefined`)
 * - failure: `{"id": <id | null>, "error": {"name": <string>, "message": <string>, "code": <string>}}`; `id`
 *   is `null` when the request line could not be read far enough to find one; `code` is the error's stable
 *   code (docs/errors.md), `E_INTERNAL` for an error without one
 */

import { Buffer } from 'node:buffer'
import { MAX_SOCKET_PATH_BYTES } from './constants.ts'
import { ControlSocketPathError } from './errors.ts'
import { codeOf, INTERNAL_ERROR_CODE } from '../qpq-error.ts'

/** Parameters of a request: always a plain JSON object. */
export type ControlParams = Record<string, unknown>

export interface ControlRequest {
  id: number
  method: string
  params: ControlParams
}

/** `name`, `message` and `code` of an error, as sent over the wire. */
export interface ErrorInfo {
  name: string
  message: string
  code: string
}

export type ControlResponse =
  | { id: number | null; result: unknown; error?: undefined }
  | { id: number | null; error: ErrorInfo; result?: undefined }

const NEWLINE = 0x0a

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Splits a byte stream into lines with a bounded buffer. Once a line grows past `maxLineBytes` the splitter
 * reports `overflow` and returns nothing more.
 */
export class LineSplitter {
  private readonly maxLineBytes: number
  private pending: Buffer[] = []
  private pendingBytes = 0
  private overflowed = false

  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes
  }

  /** Complete lines (without the newline) found so far, and whether a line went over the limit. */
  push(chunk: Buffer): { lines: Buffer[]; overflow: boolean } {
    const lines: Buffer[] = []
    if (this.overflowed) return { lines, overflow: true }
    let rest = chunk
    for (;;) {
      const at = rest.indexOf(NEWLINE)
      const partBytes = at === -1 ? rest.length : at
      if (this.pendingBytes + partBytes > this.maxLineBytes) {
        this.overflowed = true
        this.pending = []
        this.pendingBytes = 0
        return { lines, overflow: true }
      }
      if (at === -1) {
        if (rest.length > 0) {
          this.pending.push(rest)
          this.pendingBytes += rest.length
        }
        return { lines, overflow: false }
      }
      this.pending.push(rest.subarray(0, at))
      lines.push(Buffer.concat(this.pending, this.pendingBytes + at))
      this.pending = []
      this.pendingBytes = 0
      rest = rest.subarray(at + 1)
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes one line as UTF-8 JSON; `undefined` when it is not. */
export function decodeJsonLine(line: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(line)) as unknown }
  } catch {
    return undefined
  }
}

/** Whether a line holds only whitespace (such lines are ignored). */
export function isBlankLine(line: Buffer): boolean {
  for (const byte of line) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false
  }
  return true
}

/** Encodes one message as a line, newline included. */
export function encodeLine(message: ControlRequest | ControlResponse): string {
  return `${JSON.stringify(message)}\n`
}

/** Checks that a path fits into a Unix socket address; libuv would silently truncate a longer one. */
export function assertSocketPathFits(path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ControlSocketPathError(
      path,
      `control socket path is longer than ${MAX_SOCKET_PATH_BYTES} bytes, the limit of a Unix socket address: ${path}`
    )
  }
}

/** Turns whatever a handler threw into what is sent over the wire. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message, code: codeOf(err) }
  return { name: 'Error', message: 'handler failed with a non-Error value', code: INTERNAL_ERROR_CODE }
}

/** Result of reading a decoded request line. */
export type ParsedRequest =
  { kind: 'request'; request: ControlRequest } | { kind: 'invalid'; id: number | null; message: string }

/** Checks the shape of a decoded request; `params` defaults to `{}`. */
export function parseRequest(value: unknown): ParsedRequest {
  if (!isRecord(value)) return { kind: 'invalid', id: null, message: 'request must be a JSON object' }
  const { id, method, params } = value
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    return { kind: 'invalid', id: null, message: 'request id must be an integer' }
  }
  if (typeof method !== 'string' || method === '') {
    return { kind: 'invalid', id, message: 'request method must be a non-empty string' }
  }
  if (params === undefined) return { kind: 'request', request: { id, method, params: {} } }
  if (!isRecord(params)) return { kind: 'invalid', id, message: 'request params must be a JSON object' }
  return { kind: 'request', request: { id, method, params } }
}

/** Checks the shape of a decoded response; `undefined` when it is not one. */
export function parseResponse(value: unknown): ControlResponse | undefined {
  if (!isRecord(value)) return undefined
  const { id } = value
  if (id !== null && (typeof id !== 'number' || !Number.isSafeInteger(id))) return undefined
  if (Object.hasOwn(value, 'error')) {
    const { error } = value
    if (!isRecord(error) || typeof error.name !== 'string' || typeof error.message !== 'string')
      return undefined
    // A daemon from before codes were sent leaves `code` out.
    const code = error.code ?? INTERNAL_ERROR_CODE
    if (typeof code !== 'string') return undefined
    return { id, error: { name: error.name, message: error.message, code } }
  }
  if (!Object.hasOwn(value, 'result')) return undefined
  return { id, result: value.result }
}
