import { spawn } from 'node:child_process'
import { stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { expect } from 'chai'
import { LOCK_FILE } from '../node/src/daemon/index.ts'
import { REDIAL_CAP_MS, REDIAL_INTERVAL_MS, redialDelay } from '../node/src/transport/index.ts'
import { cli, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import type { CliResult } from './helpers/daemons.ts'

/** Runs `qpq-node start` that must fail at start; the log level keeps the daemon's own log lines off stderr. */
async function failedStart(data: string, ...args: string[]): Promise<CliResult> {
  return cli(['start', '--data', data, '--no-mdns', ...args], { QPQ_LOG_LEVEL: 'warn' })
}

/** Expects exit status 2 and exactly one line on stderr, matching `line`. */
function expectOneLine(result: CliResult, line: RegExp): void {
  expect(result.code, result.stderr).to.equal(2)
  expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1)
  expect(result.stderr.trimEnd()).to.match(line)
}

/** A loopback TCP port nobody listens on: bound by the OS for a moment, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    })
  )
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('exit', resolve))
  if (child.pid === undefined) throw new Error('no pid')
  return child.pid
}

describe('start-up failures a user can cause: one line on stderr, exit 2', function () {
  this.timeout(60_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []
  let running: TestDaemon

  before(async () => {
    running = await TestDaemon.create('running', folders)
    daemons.push(running)
    await running.start()
  })

  after(async () => {
    await Promise.all(daemons.map((node) => node.stop('SIGKILL')))
    await folders.removeAll()
  })

  it('a TCP port in use', async () => {
    const data = await folders.make('qpq-start-')
    const address = running.tcpAddress().replace(/\/p2p\/.*/, '')
    const result = await failedStart(data, '--listen', address)
    expectOneLine(
      result,
      new RegExp(`^qpq-node: cannot listen on ${address} \\(network\\.listen\\): the port is in use`)
    )
  })

  it('a QUIC port in use, with the libp2p log on and no stack trace', async () => {
    const data = await folders.make('qpq-start-')
    const address = running.quicAddress().replace(/\/p2p\/.*/, '')
    const result = await cli(['start', '--data', data, '--no-mdns', '--listen', address])
    expect(result.code, result.stderr).to.equal(2)
    expect(result.stderr).not.to.match(/^\s+at /m)
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('qpq-node: '))
    expect(errors).to.deep.equal([
      `qpq-node: cannot listen on ${address} (network.listen): the port is in use, by another qpq-node or another program`
    ])
  })

  it('a listen address no transport listens on: WebSocket, draft-29 QUIC', async () => {
    const data = await folders.make('qpq-start-')
    for (const address of ['/ip4/127.0.0.1/tcp/0/ws', '/ip4/127.0.0.1/udp/0/quic']) {
      const result = await failedStart(data, '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', address)
      expectOneLine(
        result,
        new RegExp(
          `^qpq-node: override network\\.listen\\[1\\]: "${address}" is no address qpq-node listens on`
        )
      )
    }
  })

  it('an empty --bootstrap', async () => {
    const data = await folders.make('qpq-start-')
    const result = await failedStart(data, '--bootstrap', '')
    expectOneLine(
      result,
      /^qpq-node: override network\.bootstrap\[0\]: "" is not a valid multiaddr: it is empty$/
    )
  })

  it('a control socket in a folder that does not exist', async () => {
    const data = await folders.make('qpq-start-')
    const socket = join(data, 'missing', 'control.sock')
    const result = await cli(['start', '--data', data, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], {
      QPQ_LOG_LEVEL: 'warn',
      QPQ_CONTROL_SOCKET: socket
    })
    expectOneLine(result, new RegExp(`^qpq-node: the folder of control socket ${socket} does not exist$`))
  })

  it('a second daemon on the same data folder names the first one, whose lock is owner-only', async () => {
    const result = await failedStart(running.data, '--listen', '/ip4/127.0.0.1/tcp/0')
    expectOneLine(
      result,
      new RegExp(
        `^qpq-node: another qpq-node runs with this data folder, pid ${String(running.process?.pid)} `
      )
    )
    const lock = await stat(join(running.data, LOCK_FILE))
    expect(lock.mode & 0o777).to.equal(0o600)
  })

  it('a lock left by kill -9, by a dead pid or by a pid now used by another process is taken over', async () => {
    const node = await TestDaemon.create('killed', folders)
    daemons.push(node)
    await node.start()
    expect(await node.stop('SIGKILL')).to.equal(null)
    await node.start()
    await node.stop()
    const lock = join(node.data, LOCK_FILE)
    expect(await stat(lock).catch((err: unknown) => (err as NodeJS.ErrnoException).code)).to.equal('ENOENT')
    for (const left of [`${String(await deadPid())} 1\n`, `${String(process.pid)} 1\n`]) {
      await writeFile(lock, left, { mode: 0o600 })
      await node.start()
      await node.stop()
    }
  })
})

describe('an unreachable bootstrap peer', function () {
  this.timeout(60_000)
  const folders = new TestFolders()
  let node: TestDaemon | undefined

  after(async () => {
    await node?.stop('SIGKILL')
    await folders.removeAll()
  })

  it('is dialled again after 2, 4, 8 … s, at most a minute apart, one log line each', async () => {
    expect(
      [1, 2, 3, 4, 5, 6, 7, 30].map((failures) => redialDelay(failures, REDIAL_INTERVAL_MS, REDIAL_CAP_MS))
    ).to.deep.equal([2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000])
    node = await TestDaemon.create('lonely', folders)
    await node.start({ bootstrap: [`/ip4/127.0.0.1/tcp/${String(await closedPort())}`] })
    const daemon = node
    const lines = await waitFor(
      'three failed dials in the log',
      () => {
        const failed = daemon.log.split('\n').filter((line) => line.includes('unreachable'))
        return Promise.resolve(failed.length >= 3 ? failed : undefined)
      },
      { attempts: 150 }
    )
    expect(lines.slice(0, 3).map((line) => /next dial in (\d+) s/.exec(line)?.[1])).to.deep.equal([
      '2',
      '4',
      '8'
    ])
    expect(lines[0]).not.to.match(/^\s+at /m)
  })
})
