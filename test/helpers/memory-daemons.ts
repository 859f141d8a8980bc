import { basename } from 'node:path'
import { defaultConfig } from '../../node/src/config/index.ts'
import type { NodeConfig } from '../../node/src/config/index.ts'
import { Daemon } from '../../node/src/daemon/index.ts'
import { createIdentities } from '../../node/src/identity/index.ts'
import type { TestFolders } from './daemons.ts'

/**
 * Daemons run in the test's own process, each with its data folder, listening only on libp2p's memory
 * transport: no socket, no mDNS, no peer exchange, no bootstrap, so they meet only when the test dials.
 */
export class MemoryDaemons {
  readonly daemons: Daemon[] = []

  constructor(private readonly folders: TestFolders) {}

  async start(name: string, relay: Partial<NodeConfig['relay']> = {}): Promise<Daemon> {
    const dataDir = await this.folders.make(`qpq-${name}-`)
    await createIdentities(dataDir, name)
    const config = defaultConfig()
    config.network = {
      ...config.network,
      listen: [`/memory/${basename(dataDir)}`],
      bootstrap: [],
      mdns: false,
      peerExchange: false
    }
    config.relay = { ...config.relay, ...relay }
    const daemon = new Daemon({ dataDir, config })
    this.daemons.push(daemon)
    await daemon.start()
    return daemon
  }

  async stopAll(): Promise<void> {
    const results = await Promise.allSettled(this.daemons.splice(0).map((daemon) => daemon.stop()))
    const failed = results.find((result) => result.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }
}

/** Calls a control-socket method of an in-process daemon, as the CLI does over the socket. */
export async function control<T>(
  daemon: Daemon,
  method: string,
  params: Record<string, unknown> = {}
): Promise<T> {
  const handler = daemon.controlHandlers()[method]
  if (handler === undefined) throw new TypeError(`the daemon has no control method ${method}`)
  return (await handler(params, { signal: new AbortController().signal })) as T
}
