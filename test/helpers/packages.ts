import { execFile, spawn } from 'node:child_process'
import { access, constants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Long enough for `apt-get update` and a small install on a slow mirror. */
const APT_TIMEOUT_MS = 300_000

/** What each Debian package a test needs puts on the machine, as the test uses it. */
const PRESENCE = {
  libjemalloc2: (env: NodeJS.ProcessEnv) => libraryLoads('libjemalloc.so.2', env),
  iproute2: (env: NodeJS.ProcessEnv) => commandsFound(['ip'], env),
  'util-linux': (env: NodeJS.ProcessEnv) => commandsFound(['unshare', 'nsenter'], env)
}

export type DebianPackage = keyof typeof PRESENCE

/** The machine as the helper sees it; tests of the helper hand it a made-up one. */
export interface PackageHost {
  /** Whether the package's library or commands are there. */
  present: (pkg: DebianPackage) => Promise<boolean>
  /** Whether this run may install packages: root, with apt-get on the PATH. */
  canInstall: () => Promise<boolean>
  /** `apt-get update` (once per process) and `apt-get install -y <packages>`. */
  install: (packages: DebianPackage[]) => Promise<void>
  /** A CI run: a package that is missing fails the suite instead of skipping it. */
  ci: boolean
  /** Where the helper's one line goes. */
  print: (line: string) => void
}

/** The mocha context of a `before` hook: what the helper uses of it. */
export type HookContext = Pick<Mocha.Context, 'skip' | 'timeout'>

/**
 * Makes sure the Debian packages a suite needs are installed, from its `before` hook: goes on when they are;
 * installs them when the run is root with apt-get (one line says so); else marks the suite pending with the
 * `apt-get install -y …` line to run, and under `CI=true` fails instead.
 */
export async function requireDebianPackages(
  context: HookContext,
  packages: DebianPackage[],
  host: PackageHost = systemHost()
): Promise<void> {
  let missing = await missingOf(packages, host)
  if (missing.length === 0) return
  const command = `apt-get install -y ${missing.join(' ')}`
  if (await host.canInstall()) {
    host.print(`installing Debian packages the tests need: ${command}`)
    context.timeout(APT_TIMEOUT_MS)
    await host.install(missing)
    missing = await missingOf(packages, host)
    if (missing.length === 0) return
  }
  const reason = `needs Debian packages ${missing.join(', ')}: run ${command} as root`
  if (host.ci) throw new Error(`CI=true and the suite ${reason}`)
  host.print(`skipped: ${reason}`)
  context.skip()
}

async function missingOf(packages: DebianPackage[], host: PackageHost): Promise<DebianPackage[]> {
  const present = await Promise.all(packages.map((pkg) => host.present(pkg)))
  return packages.filter((_, index) => present[index] !== true)
}

let aptUpdated: Promise<unknown> | undefined

/** This machine, with `env` as the environment of the processes the tests start. */
export function systemHost(env: NodeJS.ProcessEnv = process.env): PackageHost {
  return {
    present: (pkg) => PRESENCE[pkg](env),
    canInstall: async () => process.getuid?.() === 0 && (await commandsFound(['apt-get'], env)),
    install: async (packages) => {
      const apt = { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: APT_TIMEOUT_MS }
      aptUpdated ??= run('apt-get', ['update', '-qq'], apt)
      await aptUpdated
      await run('apt-get', ['install', '-y', '-qq', ...packages], apt)
    },
    ci: env.CI === 'true',
    print: (line) => {
      process.stdout.write(`      ${line}\n`)
    }
  }
}

/** Whether every command is an executable file in a folder of `env.PATH`. */
async function commandsFound(commands: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const folders = (env.PATH ?? '').split(delimiter).filter((folder) => folder !== '')
  const found = await Promise.all(
    commands.map(async (command) => {
      for (const folder of folders) {
        if (
          await access(join(folder, command), constants.X_OK).then(
            () => true,
            () => false
          )
        )
          return true
      }
      return false
    })
  )
  return found.every(Boolean)
}

/** Whether the dynamic loader finds `library` to preload, as it would for a daemon started with `env`. */
async function libraryLoads(library: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const child = spawn(process.execPath, ['-e', ''], {
    env: { ...env, LD_PRELOAD: library },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  await new Promise((resolve) => child.once('close', resolve))
  return !stderr.includes('cannot be preloaded')
}
