/**
 * The one check a bin makes before loading anything else: libp2p 3 needs Node.js 22 (it calls
 * `Promise.withResolvers`, for one), and a global install runs the bins on the system's Node, whatever its
 * version. This module imports nothing and uses nothing newer than Node 18 can run.
 */

/** The oldest Node.js major the daemon, the CLI and the simulator run on (package.json `engines`). */
export const MIN_NODE_MAJOR = 22

/** One line saying what to install, or `undefined` when `version` (e.g. `20.20.2`) is new enough. */
export function unsupportedNodeMessage(program: string, version: string): string | undefined {
  const major = Number(version.split('.')[0])
  if (major >= MIN_NODE_MAJOR) return undefined
  return `${program} needs Node.js ${MIN_NODE_MAJOR} or newer (this is v${version}): install Node.js 22 or 24 LTS`
}

/** Runs `main` (a dynamic import of the real entry module) on a supported Node; otherwise one line and exit 1. */
export function runOnSupportedNode(program: string, main: () => Promise<unknown>): void {
  const message = unsupportedNodeMessage(program, process.versions.node)
  if (message !== undefined) {
    process.stderr.write(`${message}\n`)
    process.exitCode = 1
    return
  }
  main().catch((err: unknown) => {
    process.stderr.write(`${program}: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
