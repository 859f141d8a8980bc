import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'

/** How long a child may take to exit after SIGTERM before it gets SIGKILL, in ms. */
const TERM_GRACE_MS = 10_000

/** How long a child may take to die after SIGKILL, in ms. */
const KILL_GRACE_MS = 5_000

/** Whether the child process has exited (or was never started). */
export function hasExited(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null
}

/** Stops a child by its pid: SIGTERM, then SIGKILL if it has not exited within a bounded wait. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return
  child.kill('SIGTERM')
  if (await exitWithin(child, TERM_GRACE_MS)) return
  child.kill('SIGKILL')
  if (!(await exitWithin(child, KILL_GRACE_MS))) throw new Error(`process ${child.pid} survived SIGKILL`)
}

async function exitWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return true
  return await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(false)
    }, ms)
    const onExit = (): void => {
      clearTimeout(timer)
      resolve(true)
    }
    child.once('exit', onExit)
  })
}

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every mainstream Linux). */
const CLOCK_TICKS_PER_SECOND = 100

/** A memory figure of a live process in bytes from /proc/<pid>/status, e.g. `VmHWM` (peak RSS), if the OS tells. */
export async function memoryBytes(
  pid: number,
  field: 'VmHWM' | 'VmRSS' | 'RssAnon' | 'RssFile'
): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

/** CPU time (user + system, all threads) a live process has used so far, in ms, if the OS tells. */
export async function cpuTimeMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // fields after the parenthesised command name start at field 3; utime and stime are fields 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined
  } catch {
    return undefined
  }
}

/** What a workload reports on its last line; every line before is progress. */
type Report<Message> = Extract<Message, { figures: unknown }>

/**
 * Runs a workload in a process of its own (`node <args>`), which prints one JSON message a line: progress
 * (handed to `onProgress`), then `{ figures }`. The process is killed after `timeoutMs` and always stopped;
 * a workload that ends without figures fails with its last output.
 */
export async function runWorkload<Message extends object>(
  args: string[],
  { env, timeoutMs, what }: { env?: NodeJS.ProcessEnv; timeoutMs: number; what: string },
  onProgress: (message: Exclude<Message, Report<Message>>) => void
): Promise<Report<Message>['figures']> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const stderr = new OutputTail()
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk)
  })
  const deadline = setTimeout(() => {
    stderr.push(`\n[killed by the bench: no figures within ${timeoutMs} ms]`)
    child.kill('SIGKILL')
  }, timeoutMs)
  let report: Report<Message> | undefined
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const message = JSON.parse(line) as Message
      if ('figures' in message) report = message as Report<Message>
      else onProgress(message as Exclude<Message, Report<Message>>)
    }
  } finally {
    clearTimeout(deadline)
    await stopChild(child)
  }
  if (report === undefined) throw new Error(`${what} stopped without figures:\n${stderr.toString()}`)
  return report.figures
}

/** Keeps the last `limit` characters of a child's output, to explain a failure. */
export class OutputTail {
  private text = ''

  constructor(private readonly limit = 16_384) {}

  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.limit)
  }

  toString(): string {
    return this.text
  }
}

/** Waits `ms` milliseconds: the benchmarks' pauses between polls. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
