/**
 * The daemon's side of the local control socket.
 *
 * ## How the socket is created without a world-accessible window
 *
 * `bind(2)` creates the socket file with mode `0777 & ~umask`, and `chmod` can only follow it. Instead of
 * changing the process-wide umask (which races with every other file the process creates meanwhile and is
 * not allowed in worker threads), the server:
 *
 * 1. creates a private directory next to the final path with `mkdtemp` (always mode 0700, whatever the
 *    umask), and binds the socket inside it, where nobody else can reach it;
 * 2. `chmod`s the socket to 0600;
 * 3. hard-links it to the final path with `link(2)`, which is atomic and fails with `EEXIST` instead of
 *    replacing a file, so two daemons cannot both claim the path; on `EEXIST` the existing file is probed:
 *    if a daemon answers, `DaemonAlreadyRunningError`; if nobody does (a stale file left by a crash) it is
 *    removed and the link retried; on file systems without hard links it falls back to `rename(2)`;
 * 4. removes the temporary directory.
 *
 * The socket therefore appears at its final path already 0600, and its directory does not need any
 * particular mode (the data folder should still be 0700, for the keys it holds).
 */

import { Buffer } from 'node:buffer'
import { chmod, link, lstat, mkdtemp, rename, rm, unlink } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { logger } from '@libp2p/logger'
import {
  CLAIM_ATTEMPTS,
  LINGER_MS,
  MAX_LINE_BYTES,
  PROBE_TIMEOUT_MS,
  TEMP_DIR_PREFIX,
  TEMP_SOCKET_NAME
} from './constants.ts'
import {
  ControlSocketPathError,
  DaemonAlreadyRunningError,
  InvalidRequestError,
  RequestTooLargeError,
  ResponseEncodingError,
  ResponseTooLargeError,
  UnknownMethodError
} from './errors.ts'
import {
  assertSocketPathFits,
  decodeJsonLine,
  encodeLine,
  isBlankLine,
  LineSplitter,
  parseRequest,
  toErrorInfo
} from './protocol.ts'
import type { ControlParams, ControlRequest, ControlResponse } from './protocol.ts'
import type { Stats } from 'node:fs'
import type { Server, Socket } from 'node:net'

const log = logger('qpq:api')

/** What a handler gets besides its params. */
export interface ControlHandlerContext {
  /**
   * Aborted when the requesting client closes (or half-closes) its connection, or the server stops. A
   * handler that still answers after the abort has its answer written if the connection can take it.
   */
  signal: AbortSignal
}

/**
 * Serves one method. The resolved value is sent as `result` (it must be JSON-encodable; `undefined` becomes
 * `null`); a thrown Error is sent as `{ name, message, code }`.
 */
export type ControlHandler = (params: ControlParams, context: ControlHandlerContext) => Promise<unknown>

/** Handlers by method name. Only own properties count: `toString` and friends are unknown methods. */
export type ControlHandlers = Record<string, ControlHandler>

export interface ControlServerInit {
  /** Path of the Unix socket, normally `controlSocketPath(dataDir)`. Its directory must exist. */
  path: string
  handlers: ControlHandlers
  /**
   * Longest request or response line in bytes.
   *
   * @default MAX_LINE_BYTES (1 MiB)
   */
  maxLineBytes?: number
  /**
   * How long to wait when probing whether an existing socket file belongs to a live daemon, in ms.
   *
   * @default PROBE_TIMEOUT_MS (2 s)
   */
  probeTimeoutMs?: number
}

interface Connection {
  socket: Socket
  controller: AbortController
  /** Requests whose response has not been written yet. */
  inFlight: number
  /** The client half-closed: end our side once the in-flight requests are answered. */
  peerEnded: boolean
  /** A protocol violation ended the connection; ignore further input. */
  closing: boolean
}

/** Identity of the socket file this server created, so `stop()` never unlinks somebody else's. */
interface FileId {
  dev: number
  ino: number
}

type ProbeResult = 'absent' | 'stale' | 'live' | 'not-a-socket'

/** Serves newline-delimited JSON requests on an owner-only Unix socket. */
export class ControlServer {
  readonly path: string
  private readonly handlers: ControlHandlers
  private readonly maxLineBytes: number
  private readonly probeTimeoutMs: number
  private readonly connections = new Set<Connection>()
  private server: Server | undefined
  /** Whether new connections are served (false once `stop()` began). */
  private accepting = false
  private fileId: FileId | undefined
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined

  constructor(init: ControlServerInit) {
    this.path = init.path
    this.handlers = init.handlers
    this.maxLineBytes = init.maxLineBytes ?? MAX_LINE_BYTES
    this.probeTimeoutMs = init.probeTimeoutMs ?? PROBE_TIMEOUT_MS
  }

  isStarted(): boolean {
    return this.server !== undefined
  }

  /**
   * Claims the socket path and listens. Removes a stale socket file; throws `DaemonAlreadyRunningError` if
   * a daemon answers on the path, `ControlSocketPathError` if the path is too long or holds something that
   * is not a socket.
   */
  async start(): Promise<void> {
    if (this.server !== undefined) return
    if (this.stopping !== undefined) await this.stopping
    this.starting ??= this.listen().finally(() => {
      this.starting = undefined
    })
    await this.starting
  }

  /** Stops listening, closes every connection (aborting their handlers) and removes the socket file. */
  async stop(): Promise<void> {
    if (this.starting !== undefined) await this.starting.catch(() => undefined)
    this.stopping ??= this.close().finally(() => {
      this.stopping = undefined
    })
    await this.stopping
  }

  private async listen(): Promise<void> {
    assertSocketPathFits(this.path)
    const tempDir = await mkdtemp(join(dirname(this.path), TEMP_DIR_PREFIX)).catch((err: unknown) => {
      throw socketFolderError(this.path, err)
    })
    const tempPath = join(tempDir, TEMP_SOCKET_NAME)
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      this.onConnection(socket)
    })
    try {
      assertSocketPathFits(tempPath)
      this.accepting = true
      await listenOn(server, tempPath)
      await chmod(tempPath, 0o600)
      const stat = await lstat(tempPath)
      await this.claim(tempPath)
      server.on('error', (err) => {
        log.error('control server error: %e', err)
      })
      this.fileId = { dev: stat.dev, ino: stat.ino }
      this.server = server
      log('listening on %s', this.path)
    } catch (err) {
      this.accepting = false
      await closeServer(server)
      throw err
    } finally {
      await rm(tempDir, { recursive: true, force: true })
    }
  }

  /** Puts the bound socket at `this.path`, exclusively. */
  private async claim(tempPath: string): Promise<void> {
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      try {
        await link(tempPath, this.path)
        return
      } catch (err) {
        const code = errorCode(err)
        if (code === 'EEXIST') {
          await this.removeIfStale()
          continue
        }
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') {
          // no hard links on this file system: rename replaces atomically, but not exclusively
          log('cannot hard-link the control socket (%s), renaming it into place', code)
          await this.removeIfStale()
          await rename(tempPath, this.path)
          return
        }
        throw err
      }
    }
    throw new ControlSocketPathError(
      this.path,
      `could not claim control socket ${this.path}: it kept reappearing after ${CLAIM_ATTEMPTS} attempts`
    )
  }

  /** Removes the file at the path if it is a socket nobody answers on; throws if it is anything else. */
  private async removeIfStale(): Promise<void> {
    const before = await lstatOrUndefined(this.path)
    if (before === undefined) return
    const state = before.isSocket() ? await probe(this.path, this.probeTimeoutMs) : 'not-a-socket'
    switch (state) {
      case 'absent':
        return
      case 'live':
        throw new DaemonAlreadyRunningError(this.path)
      case 'not-a-socket':
        throw new ControlSocketPathError(
          this.path,
          `${this.path} exists and is not a socket; not removing it`
        )
      case 'stale': {
        // only remove the very file that was probed, not one another daemon has put there meanwhile
        const after = await lstatOrUndefined(this.path)
        if (after?.dev !== before.dev || after.ino !== before.ino) return
        log('removing stale control socket %s', this.path)
        await unlink(this.path).catch((err: unknown) => {
          if (errorCode(err) !== 'ENOENT') throw err
        })
      }
    }
  }

  private async close(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    this.accepting = false
    for (const conn of this.connections) {
      conn.controller.abort()
      conn.socket.destroy()
    }
    this.connections.clear()
    await closeServer(server)
    const fileId = this.fileId
    this.fileId = undefined
    const stat = await lstatOrUndefined(this.path)
    if (stat !== undefined && fileId !== undefined && stat.dev === fileId.dev && stat.ino === fileId.ino) {
      await unlink(this.path).catch((err: unknown) => {
        if (errorCode(err) !== 'ENOENT') throw err
      })
    }
    log('stopped listening on %s', this.path)
  }

  private onConnection(socket: Socket): void {
    const conn: Connection = {
      socket,
      controller: new AbortController(),
      inFlight: 0,
      peerEnded: false,
      closing: false
    }
    if (!this.accepting) {
      socket.destroy()
      return
    }
    this.connections.add(conn)
    const splitter = new LineSplitter(this.maxLineBytes)
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = splitter.push(chunk)
      for (const line of lines) this.onLine(conn, line)
      if (overflow) this.rejectOversize(conn)
    })
    socket.on('end', () => {
      // a peer that closed and one that only half-closed look the same from here: treat both as gone for
      // the handlers (so a long-running one does not outlive its client) but still write answers that come
      conn.peerEnded = true
      conn.controller.abort()
      this.endIfDone(conn)
    })
    socket.on('error', (err) => {
      log('control connection error: %s', errorCode(err) ?? err.name)
    })
    socket.on('close', () => {
      this.connections.delete(conn)
      conn.controller.abort()
    })
  }

  private onLine(conn: Connection, line: Buffer): void {
    if (conn.closing || isBlankLine(line)) return
    const decoded = decodeJsonLine(line)
    if (decoded === undefined) {
      log('malformed request line (%d bytes)', line.length)
      this.send(conn, errorResponse(null, new InvalidRequestError('request is not valid UTF-8 JSON')))
      return
    }
    const parsed = parseRequest(decoded.value)
    if (parsed.kind === 'invalid') {
      log('invalid request: %s', parsed.message)
      this.send(conn, errorResponse(parsed.id, new InvalidRequestError(parsed.message)))
      return
    }
    conn.inFlight++
    void this.handle(conn, parsed.request).finally(() => {
      conn.inFlight--
      this.endIfDone(conn)
    })
  }

  private async handle(conn: Connection, request: ControlRequest): Promise<void> {
    const { id, method, params } = request
    const handler = Object.hasOwn(this.handlers, method) ? this.handlers[method] : undefined
    if (handler === undefined) {
      log('unknown method requested')
      this.send(conn, errorResponse(id, new UnknownMethodError(method)))
      return
    }
    let response: ControlResponse
    try {
      const result = await handler(params, { signal: conn.controller.signal })
      response = { id, result: result === undefined ? null : result }
      log.trace('%s answered', method)
    } catch (err) {
      response = { id, error: toErrorInfo(err) }
      log('%s failed with %s', method, response.error.name)
    }
    this.send(conn, response)
  }

  /** Answers an over-long line, half-closes, and discards input until the client closes (or LINGER_MS). */
  private rejectOversize(conn: Connection): void {
    if (conn.closing) return
    conn.closing = true
    log('request line over %d bytes, closing the connection', this.maxLineBytes)
    this.send(conn, errorResponse(null, new RequestTooLargeError(this.maxLineBytes)))
    conn.socket.end()
    const timer = setTimeout(() => conn.socket.destroy(), LINGER_MS)
    timer.unref()
    conn.socket.once('close', () => {
      clearTimeout(timer)
    })
  }

  private endIfDone(conn: Connection): void {
    if (conn.peerEnded && conn.inFlight === 0 && !conn.socket.writableEnded) conn.socket.end()
  }

  private send(conn: Connection, response: ControlResponse): void {
    const { socket } = conn
    if (socket.destroyed || socket.writableEnded) return
    let line: string
    try {
      line = encodeLine(response)
    } catch (err) {
      const message = err instanceof Error ? err.message : 'cannot encode the result as JSON'
      line = encodeLine(errorResponse(response.id, new ResponseEncodingError(message)))
    }
    if (Buffer.byteLength(line) - 1 > this.maxLineBytes) {
      line = encodeLine(errorResponse(response.id, new ResponseTooLargeError(this.maxLineBytes)))
    }
    socket.write(line)
  }
}

function errorResponse(id: number | null, err: Error): ControlResponse {
  return { id, error: toErrorInfo(err) }
}

function errorCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code
  return undefined
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path)
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined
    throw err
  }
}

async function listenOn(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(err)
    }
    server.once('error', onError)
    server.listen(path, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
}

/**
 * Whether a daemon answers on the socket at `path`. A connection refused means a stale file; a connection
 * accepted, a full backlog (`EAGAIN`) or no answer within `timeoutMs` all count as live, so that a busy
 * daemon's socket is never removed.
 */
async function probe(path: string, timeoutMs: number): Promise<ProbeResult> {
  return await new Promise<ProbeResult>((resolve, reject) => {
    const socket = createConnection({ path })
    const done = (result: ProbeResult | Error): void => {
      clearTimeout(timer)
      socket.destroy()
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    const timer = setTimeout(() => {
      done('live')
    }, timeoutMs)
    socket.once('connect', () => {
      done('live')
    })
    socket.once('error', (err) => {
      const code = errorCode(err)
      if (code === 'ECONNREFUSED') done('stale')
      else if (code === 'ENOENT') done('absent')
      else if (code === 'EAGAIN') done('live')
      else done(err)
    })
  })
}

/** A folder for the socket that is missing or not writable, named in one line; other errors as they are. */
function socketFolderError(path: string, err: unknown): unknown {
  const code = errorCode(err)
  if (code === 'ENOENT')
    return new ControlSocketPathError(path, `the folder of control socket ${path} does not exist`)
  if (code === 'EACCES') {
    return new ControlSocketPathError(
      path,
      `the folder of control socket ${path} is not writable by this user`
    )
  }
  return err
}
