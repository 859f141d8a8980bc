import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { DAEMON_V8_FLAGS } from '../../node/src/cli/v8-flags.ts'

const run = promisify(execFile)

/** The built CLI: `npm test` builds it first (pretest). */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'node', 'src', 'cli', 'main.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs one `qpq-node` command to completion. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
      maxBuffer: 64 * 1024 * 1024
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failure = err as { code?: number; stdout?: string; stderr?: string }
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' }
  }
}

/** Runs one `qpq-node` command to completion with `input` on its standard input. */
export async function cliWithInput(args: string[], input: Uint8Array): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  // A command that stops reading (a text over the limit) closes the pipe on the rest of the input.
  child.stdin.on('error', () => undefined)
  child.stdin.end(input)
  const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000)
  try {
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    return { code: code ?? -1, stdout, stderr }
  } finally {
    clearTimeout(timeout)
  }
}

/** Runs a command that prints JSON and must succeed. */
export async function cliJson<T>(args: string[]): Promise<T> {
  const result = await cli([...args, '--json'])
  if (result.code !== 0)
    throw new Error(`qpq-node ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

/** Polls `check` until it returns a value, at most `attempts` times `intervalMs` apart. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { attempts = 200, intervalMs = 100 }: { attempts?: number; intervalMs?: number } = {}
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await check()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  throw new Error(`timed out waiting for ${what}`)
}

export interface StartOptions {
  transport?: 'quic' | 'tcp' | 'both'
  bootstrap?: string[]
  mdns?: boolean
  /** Keep the listen port of an earlier run, so peers that bootstrap to it find it again. */
  listen?: string[]
  env?: NodeJS.ProcessEnv
  /** Run the daemon under this command prefix, e.g. ['unshare', '-n', ...]. */
  wrap?: string[]
  /** More arguments of `qpq-node start`, e.g. ['--redact-logs']. */
  args?: string[]
}

/** A daemon process run by a test, with its data folder. */
export class TestDaemon {
  process: ChildProcess | undefined
  multiaddrs: string[] = []
  peerId = ''
  address = ''
  log = ''

  private constructor(
    readonly name: string,
    readonly data: string
  ) {}

  static async create(name: string, folders: TestFolders): Promise<TestDaemon> {
    return new TestDaemon(name, await folders.make(`qpq-${name}-`))
  }

  /** A daemon on a data folder the test made itself. */
  static at(name: string, data: string): TestDaemon {
    return new TestDaemon(name, data)
  }

  async start(options: StartOptions = {}): Promise<void> {
    const transport = options.transport ?? 'both'
    const listen = options.listen ?? [
      ...(transport === 'tcp' ? [] : ['/ip4/127.0.0.1/udp/0/quic-v1']),
      ...(transport === 'quic' ? [] : ['/ip4/127.0.0.1/tcp/0'])
    ]
    const args = [
      ...DAEMON_V8_FLAGS,
      CLI,
      'start',
      '--data',
      this.data,
      ...listen.flatMap((address) => ['--listen', address])
    ]
    for (const address of options.bootstrap ?? []) args.push('--bootstrap', address)
    if (options.mdns !== true) args.push('--no-mdns')
    args.push(...(options.args ?? []))
    const [command = process.execPath, ...prefix] = options.wrap ?? []
    const child = spawn(command, options.wrap === undefined ? args : [...prefix, process.execPath, ...args], {
      env: {
        ...process.env,
        QPQ_NETWORK_MDNS_INTERVAL: '500',
        QPQ_NETWORK_PEER_EXCHANGE: 'false',
        ...options.env
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    this.process = child
    this.log = ''
    const ready = new Promise<void>((resolve, reject) => {
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        this.log += chunk.toString()
        if (stdout.includes('\ncontrol  ')) {
          this.parseBanner(stdout)
          resolve()
        }
      })
      child.stderr.on('data', (chunk: Buffer) => {
        this.log += chunk.toString()
      })
      child.once('exit', (code) => {
        reject(new Error(`${this.name} exited with ${code} before it was ready:\n${this.log}`))
      })
    })
    const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000)
    try {
      await ready
    } finally {
      clearTimeout(timeout)
    }
  }

  /** Stops the daemon with SIGTERM (or `signal`) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.process
    this.process = undefined
    if (child?.pid === undefined || child.exitCode !== null) return child?.exitCode ?? null
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        resolve(code)
      })
    })
    child.kill(signal)
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000)
    try {
      return await exited
    } finally {
      clearTimeout(timeout)
    }
  }

  args(...rest: string[]): string[] {
    return [...rest, '--data', this.data]
  }

  quicAddress(): string {
    return this.pick('/quic-v1')
  }

  tcpAddress(): string {
    return this.pick('/tcp/')
  }

  private pick(part: string): string {
    const address = this.multiaddrs.find((candidate) => candidate.includes(part))
    if (address === undefined) throw new Error(`${this.name} does not listen on ${part}`)
    return address
  }

  private parseBanner(stdout: string): void {
    const field = (name: string): string[] =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith(`${name} `))
        .map((line) => line.slice(name.length).trim())
    this.address = field('address')[0] ?? ''
    this.peerId = field('peer id')[0] ?? ''
    this.multiaddrs = field('listen')
  }
}

/** Temporary folders made by a test file, removed when it ends. */
/** Runs `qpq-node <args>` against `node` and fails unless it exits 0; its standard output, trimmed. */
export async function ok(node: TestDaemon, ...args: string[]): Promise<string> {
  const result = await cli(node.args(...args))
  expect(result.code, `${node.name} ${args.join(' ')}: ${result.stderr}`).to.equal(0)
  return result.stdout.trim()
}

/** An invite of `node`'s user, taken while it runs: a first message to it needs no key-package exchange. */
export function invite(node: TestDaemon): Promise<string> {
  return ok(node, 'invite')
}

export class TestFolders {
  private readonly folders: string[] = []

  async make(prefix: string): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), prefix))
    this.folders.push(folder)
    return folder
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })))
  }
}

/** Waits until `node`'s inbox holds every id in `ids`; returns the inbox ids, duplicates included. */
export async function waitForInboxIds(node: TestDaemon, ids: ReadonlySet<string>): Promise<string[]> {
  const inbox = await waitFor(
    `all ${ids.size} acknowledged envelopes in ${node.name}'s inbox`,
    async () => {
      const messages = await cliJson<{ id: string }[]>(node.args('inbox'))
      const received = new Set(messages.map((message) => message.id))
      return [...ids].every((id) => received.has(id)) ? messages : undefined
    },
    { attempts: 300 }
  )
  return inbox.map((message) => message.id)
}
