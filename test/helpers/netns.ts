import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'

/**
 * A network namespace of the test's own, with only a loopback interface that
 * carries multicast: mDNS works inside it and nothing leaves the machine.
 * A process holds the namespace open until `close()` ends it.
 */
export class TestNetworkNamespace {
  private constructor(private readonly holder: ChildProcess) {}

  static async create(): Promise<TestNetworkNamespace> {
    const setup = [
      'ip link set lo up',
      'ip link set lo multicast on',
      'ip route add 224.0.0.0/4 dev lo',
      'echo ready',
      'exec cat'
    ].join(' && ')
    const holder = spawn('unshare', ['--net', '--', 'sh', '-c', setup], { stdio: ['pipe', 'pipe', 'pipe'] })
    let errors = ''
    holder.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString()
    })
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => {
        resolve()
      })
      holder.once('exit', (code) => {
        reject(new Error(`could not make a network namespace (exit ${code}): ${errors}`))
      })
    })
    return new TestNetworkNamespace(holder)
  }

  /** The command prefix that runs a program inside the namespace. */
  wrap(): string[] {
    return ['nsenter', `--net=/proc/${String(this.holder.pid)}/ns/net`, '--']
  }

  async close(): Promise<void> {
    if (this.holder.exitCode !== null) return
    const exited = new Promise<void>((resolve) => {
      this.holder.once('exit', () => {
        resolve()
      })
    })
    this.holder.kill('SIGKILL')
    await exited
  }
}
