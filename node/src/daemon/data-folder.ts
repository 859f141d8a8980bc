import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { NODE_KEY_FILE, USER_KEY_FILE } from '../identity/index.ts'
import { DataFolderPermissionError } from './errors.ts'

/** Permission bits of the group and of others: none may be set on anything in the data folder. */
const NOT_OWNER = 0o077

/** Entries looked at inside the data folder, at most: LevelDB keeps a few hundred files at most. */
const MAX_ENTRIES = 100_000

/** Folder levels looked into below the data folder (`store/`, `mls/`, `directory/` hold files only). */
const MAX_DEPTH = 3

/** What was done to make the data folder owner-only, for the user to read. */
export interface DataFolderReport {
  created: boolean
  /** Entries whose group or other permissions were taken away. */
  fixed: number
}

/**
 * Makes `dir` and everything in it owner-only (folders 0700, files 0600) whatever the umask, and sets the
 * process's umask so that every file made from here on (LevelDB's among them) is too. A data folder or key
 * file that others can read already is refused unless `fixPermissions`: its secrets may have been read, and
 * the user should know. Looser entries deeper inside a folder others cannot enter are fixed and counted.
 */
export async function secureDataFolder(
  dir: string,
  { fixPermissions }: { fixPermissions: boolean }
): Promise<DataFolderReport> {
  process.umask(0o077)
  const created = (await mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined
  const folder = await stat(dir)
  if (!folder.isDirectory()) throw new DataFolderPermissionError(`${dir} is not a folder`)
  const uid = process.getuid?.()
  if (uid !== undefined && folder.uid !== uid) {
    throw new DataFolderPermissionError(
      `data folder ${dir} belongs to uid ${folder.uid}, not to this user (uid ${uid})`
    )
  }
  const exposed = await exposedSecrets(dir, folder.mode)
  if (exposed.length > 0 && !fixPermissions) {
    throw new DataFolderPermissionError(
      `${exposed.join(' and ')} can be read by others; make it owner-only (chmod -R go-rwx ${dir}) or add --fix-permissions`
    )
  }
  const fixed = await restrict(dir, folder.mode, 0)
  return { created, fixed }
}

/** The data folder and key files that others can read or enter. */
async function exposedSecrets(dir: string, mode: number): Promise<string[]> {
  const exposed = (mode & NOT_OWNER) === 0 ? [] : [`data folder ${dir} (mode ${octal(mode)})`]
  for (const name of [USER_KEY_FILE, NODE_KEY_FILE]) {
    const key = await lstat(join(dir, name)).catch(() => undefined)
    if (key !== undefined && (key.mode & NOT_OWNER) !== 0) {
      exposed.push(`key file ${join(dir, name)} (mode ${octal(key.mode)})`)
    }
  }
  return exposed
}

/** Takes group and other permissions from `path` and what is under it; returns how many entries it changed. */
async function restrict(path: string, mode: number, depth: number): Promise<number> {
  let fixed = 0
  if ((mode & NOT_OWNER) !== 0) {
    await chmod(path, mode & 0o700)
    fixed++
  }
  if (depth >= MAX_DEPTH) return fixed
  const entries = await readdir(path, { withFileTypes: true })
  for (const entry of entries.slice(0, MAX_ENTRIES)) {
    if (!entry.isDirectory() && !entry.isFile()) continue // sockets and links: the control socket guards itself
    const child = join(path, entry.name)
    const info = await lstat(child).catch(() => undefined)
    if (info === undefined) continue // removed meanwhile (a LevelDB compaction)
    fixed += entry.isDirectory()
      ? await restrict(child, info.mode, depth + 1)
      : await restrictFile(child, info.mode)
  }
  return fixed
}

async function restrictFile(path: string, mode: number): Promise<number> {
  if ((mode & NOT_OWNER) === 0) return 0
  await chmod(path, mode & 0o600)
  return 1
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0')
}
