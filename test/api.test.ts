import { once } from 'node:events'
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile, readFile } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import {
  callDaemon,
  controlSocketPath,
  ControlClient,
  ControlServer,
  MAX_LINE_BYTES,
  RemoteError
} from '../node/src/api/index.ts'
import type { ControlHandlers } from '../node/src/api/index.ts'
import type { Socket } from 'node:net'

class FancyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FancyError'
  }
}

/** A promise with its resolve function outside. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    if (err instanceof Error) return err
    throw new Error('rejected with a non-Error value')
  }
  throw new Error('expected a rejection')
}

/** A raw connection to the socket that collects lines, for testing the wire protocol itself. */
class RawConnection {
  readonly socket: Socket
  readonly ended: Promise<void>
  private buffered = ''
  private readonly lines: string[] = []
  private waiting: ((line: string) => void) | undefined

  constructor(path: string) {
    this.socket = createConnection({ path })
    this.socket.setEncoding('utf8')
    this.socket.on('data', (chunk: string) => {
      this.buffered += chunk
      let at: number
      while ((at = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, at)
        this.buffered = this.buffered.slice(at + 1)
        const waiting = this.waiting
        this.waiting = undefined
        if (waiting === undefined) this.lines.push(line)
        else waiting(line)
      }
    })
    // the server may close while we are still writing an over-long line
    this.socket.on('error', () => undefined)
    this.ended = once(this.socket, 'end').then(() => undefined)
  }

  async nextLine(): Promise<unknown> {
    const line = this.lines.shift() ?? (await new Promise<string>((resolve) => (this.waiting = resolve)))
    return JSON.parse(line) as unknown
  }

  close(): void {
    this.socket.destroy()
  }
}

describe('api: control socket', () => {
  let root: string
  let servers: ControlServer[] = []
  let count = 0

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'qpq-api-'))
  })

  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  afterEach(async () => {
    await Promise.all(servers.map(async (server) => server.stop()))
    servers = []
  })

  async function dataDir(): Promise<string> {
    const dir = join(root, `d${count++}`)
    await mkdir(dir, { mode: 0o700 })
    return dir
  }

  const handlers: ControlHandlers = {
    echo: async (params) => Promise.resolve(params),
    nothing: async () => Promise.resolve(undefined),
    fail: async () => Promise.reject(new FancyError('it went wrong')),
    big: async (params) => Promise.resolve('x'.repeat(Number(params.bytes)))
  }

  async function startServer(
    path: string,
    extra: ControlHandlers = {},
    init: { maxLineBytes?: number } = {}
  ): Promise<ControlServer> {
    const server = new ControlServer({ path, handlers: { ...handlers, ...extra }, ...init })
    servers.push(server)
    await server.start()
    return server
  }

  /** A socket file nobody listens on, as a crashed daemon leaves behind. */
  async function makeStaleSocket(path: string): Promise<void> {
    const server = createServer()
    const temp = `${path}.tmp`
    server.listen(temp)
    await once(server, 'listening')
    await rename(temp, path)
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve()
      })
    })
  }

  it('round-trips a request', async () => {
    const dir = await dataDir()
    const path = controlSocketPath(dir)
    await startServer(path)
    const params = { text: 'hello', n: 3, nested: { list: [1, 'two', null] } }
    expect(await callDaemon(path, 'echo', params, { dataDir: dir })).to.deep.equal(params)
    expect(await callDaemon(path, 'echo')).to.deep.equal({})
    expect(await callDaemon(path, 'nothing')).to.equal(null)

    const client = new ControlClient({ path })
    expect(await client.call('echo', { a: 1 })).to.deep.equal({ a: 1 })
    expect(await client.call('echo', { b: 2 })).to.deep.equal({ b: 2 })
  })

  it('propagates a handler error with its name', async () => {
    const path = controlSocketPath(await dataDir())
    await startServer(path)
    const err = await rejection(callDaemon(path, 'fail'))
    expect(err).to.be.instanceOf(RemoteError)
    expect(err.name).to.equal('RemoteError')
    expect((err as Partial<RemoteError>).remoteName).to.equal('FancyError')
    expect(err.message).to.equal('it went wrong')
  })

  it('answers an unknown method with UnknownMethodError', async () => {
    const path = controlSocketPath(await dataDir())
    await startServer(path)
    for (const method of ['nope', 'toString', '__proto__', 'constructor']) {
      const err = await rejection(callDaemon(path, method))
      expect(err.name).to.equal('RemoteError')
      expect((err as Partial<RemoteError>).remoteName).to.equal('UnknownMethodError')
    }
  })

  it('answers malformed JSON with an error and keeps serving', async () => {
    const path = controlSocketPath(await dataDir())
    await startServer(path)
    const raw = new RawConnection(path)
    raw.socket.write('this is {not json\n')
    expect(await raw.nextLine()).to.deep.include({
      id: null,
      error: {
        name: 'InvalidRequestError',
        message: 'request is not valid UTF-8 JSON',
        code: 'E_API_INVALID_REQUEST'
      }
    })
    raw.socket.write(Buffer.from([0xff, 0xfe, 0x0a]))
    expect(await raw.nextLine()).to.have.nested.property('error.name', 'InvalidRequestError')
    raw.socket.write('[1,2,3]\n{"id":"x","method":"echo"}\n{"id":7,"method":"echo","params":[1]}\n')
    expect(await raw.nextLine()).to.have.nested.property('error.name', 'InvalidRequestError')
    expect(await raw.nextLine()).to.deep.include({ id: null })
    expect(await raw.nextLine()).to.deep.include({ id: 7 })
    // the same connection still works, and so does the next client
    raw.socket.write('\n{"id":8,"method":"echo","params":{"ok":true}}\n')
    expect(await raw.nextLine()).to.deep.equal({ id: 8, result: { ok: true } })
    raw.close()
    expect(await callDaemon(path, 'echo', { after: 1 })).to.deep.equal({ after: 1 })
  })

  it('answers an over-long line with an error and closes the connection', async () => {
    const path = controlSocketPath(await dataDir())
    await startServer(path)
    const raw = new RawConnection(path)
    raw.socket.write('{"id":1,"method":"echo","params":{"pad":"')
    raw.socket.write('a'.repeat(MAX_LINE_BYTES))
    const response = await raw.nextLine()
    expect(response).to.have.property('id', null)
    expect(response).to.have.nested.property('error.name', 'RequestTooLargeError')
    await raw.ended
    raw.close()
    expect(await callDaemon(path, 'echo', { after: 1 })).to.deep.equal({ after: 1 })

    // the client refuses to send such a line at all
    const err = await rejection(callDaemon(path, 'echo', { pad: 'a'.repeat(MAX_LINE_BYTES) }))
    expect(err.name).to.equal('RequestTooLargeError')
  })

  it('accepts a line of exactly the limit and refuses a result over it', async () => {
    const path = controlSocketPath(await dataDir())
    await startServer(path, {}, { maxLineBytes: 100 })
    const line = JSON.stringify({ id: 1, method: 'echo', params: { pad: '' } })
    const pad = 'p'.repeat(100 - line.length)
    const client = new ControlClient({ path, maxLineBytes: 100 })
    expect(await client.call('echo', { pad })).to.deep.equal({ pad })
    const err = await rejection(callDaemon(path, 'big', { bytes: 200 }))
    expect((err as Partial<RemoteError>).remoteName).to.equal('ResponseTooLargeError')
  })

  it('handles requests on one connection concurrently', async () => {
    const path = controlSocketPath(await dataDir())
    const gate = deferred()
    await startServer(path, {
      wait: async () => {
        await gate.promise
        return 'waited'
      },
      open: async () => {
        gate.resolve()
        return Promise.resolve('opened')
      }
    })
    const raw = new RawConnection(path)
    raw.socket.write('{"id":1,"method":"wait","params":{}}\n{"id":2,"method":"open","params":{}}\n')
    // `wait` can only finish because `open` ran while it was pending; the order of the answers is free
    const answers = [await raw.nextLine(), await raw.nextLine()]
    expect(answers).to.have.deep.members([
      { id: 1, result: 'waited' },
      { id: 2, result: 'opened' }
    ])
    raw.close()
  })

  it('answers requests of a client that half-closed after sending', async () => {
    const path = controlSocketPath(await dataDir())
    await startServer(path)
    const raw = new RawConnection(path)
    raw.socket.end('{"id":3,"method":"echo","params":{"x":1}}\n')
    expect(await raw.nextLine()).to.deep.equal({ id: 3, result: { x: 1 } })
    await raw.ended
    raw.close()
  })

  it('removes a stale socket file on start', async () => {
    const path = controlSocketPath(await dataDir())
    await makeStaleSocket(path)
    expect((await stat(path)).isSocket()).to.equal(true)
    await startServer(path)
    expect(await callDaemon(path, 'echo', { fresh: true })).to.deep.equal({ fresh: true })
  })

  it('refuses to start a second server while the first is live', async () => {
    const path = controlSocketPath(await dataDir())
    await startServer(path)
    const second = new ControlServer({ path, handlers })
    const err = await rejection(second.start())
    expect(err.name).to.equal('DaemonAlreadyRunningError')
    expect(second.isStarted()).to.equal(false)
    await second.stop()
    expect(await callDaemon(path, 'echo', { still: 'first' })).to.deep.equal({ still: 'first' })
  })

  it('does not remove a file that is not a socket', async () => {
    const path = controlSocketPath(await dataDir())
    await writeFile(path, 'precious')
    const err = await rejection(startServer(path))
    expect(err.name).to.equal('ControlSocketPathError')
    expect(await readFile(path, 'utf8')).to.equal('precious')
  })

  it('refuses a socket path too long for a Unix socket address', async () => {
    const path = join(await dataDir(), `${'x'.repeat(120)}.sock`)
    expect((await rejection(startServer(path))).name).to.equal('ControlSocketPathError')
    expect((await rejection(callDaemon(path, 'echo'))).name).to.equal('ControlSocketPathError')
  })

  it('creates the socket with mode 0600 and leaves nothing else behind', async () => {
    const dir = await dataDir()
    const path = controlSocketPath(dir)
    await startServer(path)
    const info = await stat(path)
    expect(info.isSocket()).to.equal(true)
    expect(info.mode & 0o777).to.equal(0o600)
    expect(await readdir(dir)).to.deep.equal(['control.sock'])
  })

  it('throws DaemonNotRunningError when no daemon is running', async () => {
    const dir = await dataDir()
    const path = controlSocketPath(dir)
    const err = await rejection(callDaemon(path, 'echo', {}, { dataDir: dir }))
    expect(err.name).to.equal('DaemonNotRunningError')
    expect(err.message).to.equal(
      `no qpq-node daemon is running for data folder ${dir} (start one with: qpq-node start --data ${dir})`
    )

    await makeStaleSocket(path)
    expect((await rejection(callDaemon(path, 'echo'))).name).to.equal('DaemonNotRunningError')
  })

  it('stops idempotently and removes the socket', async () => {
    const dir = await dataDir()
    const path = controlSocketPath(dir)
    const server = await startServer(path)
    const raw = new RawConnection(path)
    raw.socket.write('{"id":1,"method":"echo","params":{}}\n')
    await raw.nextLine()
    await Promise.all([server.stop(), server.stop()])
    await server.stop()
    await raw.ended
    raw.close()
    expect(server.isStarted()).to.equal(false)
    expect(await readdir(dir)).to.deep.equal([])
    expect((await rejection(callDaemon(path, 'echo'))).name).to.equal('DaemonNotRunningError')

    // and it can be started again
    await server.start()
    expect(await callDaemon(path, 'echo', { again: 1 })).to.deep.equal({ again: 1 })
  })

  it('aborts a call and the handler through their signals', async () => {
    const path = controlSocketPath(await dataDir())
    const started = deferred()
    const handlerAborted = deferred()
    await startServer(path, {
      hang: async (_params, { signal }) => {
        started.resolve()
        await once(signal, 'abort')
        handlerAborted.resolve()
        return null
      }
    })
    const controller = new AbortController()
    const call = callDaemon(path, 'hang', {}, { signal: controller.signal })
    await started.promise
    controller.abort()
    expect((await rejection(call)).name).to.equal('AbortError')
    await handlerAborted.promise
  })

  it('times out a call that gets no answer', async () => {
    const path = controlSocketPath(await dataDir())
    await startServer(path, {
      hang: async (_params, { signal }) => {
        await once(signal, 'abort')
        return null
      }
    })
    expect((await rejection(callDaemon(path, 'hang', {}, { timeoutMs: 50 }))).name).to.equal(
      'ControlTimeoutError'
    )
  })
})
