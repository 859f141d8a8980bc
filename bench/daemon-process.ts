import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { ControlClient } from '../node/src/api/index.ts'
import { DAEMON_V8_FLAGS } from '../node/src/cli/v8-flags.ts'
import type { InboxMessage, InboxPage, StatusResult } from '../node/src/daemon/index.ts'
import { cpuTimeMs, hasExited, memoryBytes, OutputTail, stopChild } from './child.ts'

/** The built CLI; `npm run bench` builds it first (prebench). */
const CLI = join(import.meta.dirname, '..', 'node', 'src', 'cli', 'main.js')

/** How long a daemon may take from spawn to its `control` banner line, in ms. */
const START_TIMEOUT_MS = 30_000

/** A `qpq-node start` process on 127.0.0.1, QUIC only, mDNS and peer exchange off. */
export class DaemonProcess {
  /** The user's qpq1… address. */
  address = ''
  /** Listen addresses, each ending in /p2p/<peer id>. */
  multiaddrs: string[] = []
  private client: ControlClient | undefined
  private readonly output = new OutputTail()

  private constructor(
    readonly name: string,
    readonly data: string,
    private readonly child: ChildProcess
  ) {}

  /** Spawns the daemon and resolves once it prints its control socket (it is then serving). */
  static async start(name: string, data: string, bootstrap: string[] = []): Promise<DaemonProcess> {
    const args = [
      ...DAEMON_V8_FLAGS,
      CLI,
      'start',
      '--data',
      data,
      '--no-mdns',
      '--listen',
      '/ip4/127.0.0.1/udp/0/quic-v1'
    ]
    for (const address of bootstrap) args.push('--bootstrap', address)
    // peer exchange would introduce A and C to each other: the bench needs them to meet only through B
    const env = { ...process.env, QPQ_NETWORK_PEER_EXCHANGE: 'false' }
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const daemon = new DaemonProcess(name, data, child)
    try {
      await daemon.ready()
    } catch (err) {
      await stopChild(child)
      throw err
    }
    return daemon
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no process`)
    return this.child.pid
  }

  get running(): boolean {
    return !hasExited(this.child)
  }

  quicAddress(): string {
    const address = this.multiaddrs.find((candidate) => candidate.includes('/quic-v1/p2p/'))
    if (address === undefined) throw new Error(`${this.name} printed no QUIC listen address`)
    return address
  }

  /** Calls a control method; fails with the daemon's last output if it has died. */
  async call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.client === undefined) throw new Error(`${this.name} is not ready`)
    if (!this.running) throw new Error(`${this.name} exited (${this.exitDescription()}):\n${this.log()}`)
    return await this.client.call(method, params)
  }

  async status(): Promise<StatusResult> {
    return (await this.call('status')) as StatusResult
  }

  /** CPU time used so far (all threads) and current RSS, where the OS reports them. */
  async usage(): Promise<{ cpuMs: number | undefined; rss: number | undefined }> {
    return { cpuMs: await cpuTimeMs(this.pid), rss: await memoryBytes(this.pid, 'VmRSS') }
  }

  /** Peak RSS so far (`VmHWM`), where the OS reports it. */
  async peakRss(): Promise<number | undefined> {
    return this.running ? await memoryBytes(this.pid, 'VmHWM') : undefined
  }

  /** The whole inbox, read a page at a time through the control socket. */
  async inbox(): Promise<InboxMessage[]> {
    const messages: InboxMessage[] = []
    let page = (await this.call('inbox')) as InboxPage
    messages.push(...page.messages)
    // Bounded: one page per 1,000 messages, and a benchmark run holds far fewer than a million.
    for (let read = 1; page.next !== undefined && read < 1000; read++) {
      page = (await this.call('inbox', { after: page.next })) as InboxPage
      messages.push(...page.messages)
    }
    return messages
  }

  /** Stops the daemon: SIGTERM, SIGKILL after a bounded wait. */
  async stop(): Promise<void> {
    await stopChild(this.child)
  }

  /** The tail of the daemon's stdout and stderr. */
  log(): string {
    return this.output.toString()
  }

  private exitDescription(): string {
    return this.child.signalCode ?? `code ${String(this.child.exitCode)}`
  }

  private async ready(): Promise<void> {
    const { child } = this
    let stdout = ''
    const banner = new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        this.output.push(chunk)
        stdout += chunk.toString()
        if (/^control {2}.*\n/m.test(stdout)) {
          child.stdout?.off('data', onData)
          child.stdout?.on('data', (more: Buffer) => {
            this.output.push(more)
          })
          resolve(stdout)
        }
      }
      child.stdout?.on('data', onData)
      child.stderr?.on('data', (chunk: Buffer) => {
        this.output.push(chunk)
      })
      child.once('exit', () => {
        reject(
          new Error(`${this.name} exited (${this.exitDescription()}) before it was ready:\n${this.log()}`)
        )
      })
      child.once('error', reject)
    })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${this.name} did not start within ${START_TIMEOUT_MS} ms:\n${this.log()}`))
      }, START_TIMEOUT_MS)
    })
    try {
      this.parseBanner(await Promise.race([banner, timeout]))
    } finally {
      clearTimeout(timer)
    }
  }

  private parseBanner(stdout: string): void {
    const field = (label: string): string[] =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith(`${label} `))
        .map((line) => line.slice(label.length).trim())
    this.address = field('address')[0] ?? ''
    this.multiaddrs = field('listen')
    const socket = field('control')[0]
    if (socket === undefined || this.address === '')
      throw new Error(`${this.name} printed no banner:\n${stdout}`)
    this.client = new ControlClient({ path: socket, dataDir: this.data })
  }
}
