import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { controlSocketPath } from '../api/index.ts'

/** The data folder: `--data`, else `$QPQ_DATA`, else the XDG data folder. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined && flag !== '') return resolve(flag)
  if (env.QPQ_DATA !== undefined && env.QPQ_DATA !== '') return resolve(env.QPQ_DATA)
  const xdg =
    env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== ''
      ? env.XDG_DATA_HOME
      : join(homedir(), '.local', 'share')
  return join(xdg, 'qpq-node')
}

/** The control socket: `control.socket` from the configuration, else the data folder's default. */
export function configuredSocketPath(dataDir: string, configured: string): string {
  return configured === '' ? controlSocketPath(dataDir) : resolve(configured)
}
