import { enable } from '@libp2p/logger'
import { ControlServer } from '../api/index.ts'
import type { NodeConfig } from '../config/index.ts'
import { Daemon } from '../daemon/index.ts'
import { createIdentities, encodeAddress, hasIdentity } from '../identity/index.ts'
import { redactLogs } from '../log/index.ts'
import { loadNodeConfig, secureData } from './commands.ts'
import type { CommonOptions, DataFolderOptions } from './commands.ts'
import { EXIT_FAILURE } from './errors.ts'
import { printError, printLine } from './output.ts'
import { configuredSocketPath } from './paths.ts'

export interface StartOptions extends CommonOptions, DataFolderOptions {
  listen?: string[]
  bootstrap?: string[]
  mdns?: boolean
  redactLogs?: boolean
}

/** Log namespaces shown at each configured level, unless DEBUG chooses for itself. */
const LOG_NAMESPACES: Record<NodeConfig['log']['level'], string> = {
  error: 'qpq:*:error',
  warn: 'qpq:*:error',
  info: 'qpq:*,-qpq:*:trace',
  debug: 'qpq:*,libp2p:*:error'
}

const SYSTEM_MALLOC_HINT =
  "malloc   the C library's: a busy relay's RSS grows with fragmentation; preload jemalloc " +
  '(Debian: libjemalloc2) as config/systemd/qpq-node.service does'

/** Runs the daemon in the foreground until SIGINT or SIGTERM. */
export async function startCommand(options: StartOptions): Promise<void> {
  const config = await loadNodeConfig(options, {
    network: {
      ...(options.listen === undefined ? {} : { listen: options.listen }),
      ...(options.bootstrap === undefined ? {} : { bootstrap: options.bootstrap }),
      ...(options.mdns === undefined ? {} : { mdns: options.mdns })
    },
    ...(options.redactLogs === undefined ? {} : { log: { redact: options.redactLogs } })
  })
  if (process.env.DEBUG === undefined) enable(LOG_NAMESPACES[config.log.level])
  // The banner goes to the same journal as the log: redacted alike (`qpq-node id` shows the values).
  const shown = config.log.redact ? redactLogs() : String

  await secureData(options)
  if (!(await hasIdentity(options.data))) {
    const { user } = await createIdentities(options.data, config.node.name)
    printLine(
      `no identity in ${options.data} yet: created one, address ${shown(encodeAddress(user.publicKey))}`
    )
  }

  const daemon = new Daemon({ dataDir: options.data, config })
  const socket = configuredSocketPath(options.data, config.control.socket)
  const server = new ControlServer({ path: socket, handlers: daemon.controlHandlers() })
  try {
    await daemon.start()
    await server.start()
  } catch (err) {
    await daemon.stop()
    throw err
  }

  printLine(`qpq-node running`)
  printLine(`address  ${shown(encodeAddress(daemon.user.publicKey))}`)
  printLine(`peer id  ${shown(daemon.libp2p.peerId.toString())}`)
  for (const address of daemon.multiaddrs()) printLine(`listen   ${shown(address)}`)
  printLine(daemon.allocator === 'system' ? SYSTEM_MALLOC_HINT : `malloc   ${daemon.allocator}`)
  printLine(`control  ${socket}`)

  await new Promise<void>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        printError(`${signal} again: exiting without a clean shutdown`)
        process.exit(EXIT_FAILURE)
      }
      stopping = true
      printLine(`${signal}: shutting down`)
      server
        .stop()
        .then(() => daemon.stop())
        .then(resolve, (err: unknown) => {
          printError(`shutdown failed: ${(err as Error).message}`)
          process.exit(EXIT_FAILURE)
        })
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  printLine('stopped')
}
