import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DaemonNotRunningError } from '../api/index.ts'
import type { IdResult } from '../api/index.ts'
import { encodeAddress, loadIdentities } from '../identity/index.ts'
import { daemonClient } from './commands.ts'
import { DaemonUnavailableError } from './errors.ts'
import type { CommonOptions } from './commands.ts'
import { printJson, printLine } from './output.ts'

/** Seconds `id --wait` waits for the daemon when no number is given. */
export const DEFAULT_ID_WAIT_SECONDS = 30

/** How often `id --wait` asks the control socket, in ms. */
const POLL_INTERVAL_MS = 100

/** The values `id --field` prints alone; `multiaddr` is the running daemon's first listen address. */
export const ID_FIELDS = ['address', 'peer-id', 'multiaddr'] as const
export type IdField = (typeof ID_FIELDS)[number]

export interface IdOptions extends CommonOptions {
  /** Seconds to wait for the daemon to answer; without it, no daemon means the key files are read. */
  wait?: number
  field?: IdField
}

/**
 * Prints the address, peer id and listen addresses: from the running daemon, or from the data folder's key
 * files when none runs (no listen addresses then). `--wait` and `--field multiaddr` need the daemon.
 */
export async function idCommand(options: IdOptions): Promise<void> {
  // Read first: without an identity no daemon can run either, and the error says to run init.
  const fromKeys = await idFromKeyFiles(options.data)
  const id = (await runningDaemonId(options)) ?? fromKeys
  if (options.field !== undefined) {
    printLine(fieldOf(id, options.field))
    return
  }
  if (options.json) {
    printJson(id)
    return
  }
  printLine(`address  ${id.address}`)
  printLine(`peer id  ${id.peerId}`)
  if (id.multiaddrs.length === 0) printLine('listen   none: no daemon runs')
  for (const address of id.multiaddrs) printLine(`listen   ${address}`)
}

async function idFromKeyFiles(dataDir: string): Promise<IdResult> {
  const { user, nodeKey } = await loadIdentities(dataDir)
  return {
    address: encodeAddress(user.publicKey),
    peerId: peerIdFromPrivateKey(nodeKey).toString(),
    multiaddrs: []
  }
}

/** The daemon's answer; `undefined` when none runs and none is needed. */
async function runningDaemonId(options: IdOptions): Promise<IdResult | undefined> {
  const needed = options.wait !== undefined || options.field === 'multiaddr'
  const waitMs = (options.wait ?? 0) * 1000
  const attempts = Math.max(1, Math.ceil(waitMs / POLL_INTERVAL_MS))
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await daemonClient(options)).call('id', {})
    } catch (err) {
      if (!(err instanceof DaemonNotRunningError)) throw err
      if (attempt >= attempts) {
        if (!needed) return undefined
        if (options.wait === undefined) throw err
        throw new DaemonUnavailableError(
          `no qpq-node daemon answered for data folder ${options.data} within ${String(options.wait)} s ` +
            `(start one with: qpq-node start --data ${options.data})`
        )
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))
  }
}

function fieldOf(id: IdResult, field: IdField): string {
  switch (field) {
    case 'address':
      return id.address
    case 'peer-id':
      return id.peerId
    case 'multiaddr': {
      const [first] = id.multiaddrs
      if (first === undefined) throw new DaemonUnavailableError('the daemon listens on no address')
      return first
    }
  }
}
