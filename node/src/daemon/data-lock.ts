import { link, open, readFile, rm, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { DataFolderLockedError } from './errors.ts'

/** The lock file in the data folder: the owner's pid and start time, owner-only. */
export const LOCK_FILE = 'qpq-node.pid'

/** Attempts at taking the lock: a stale lock removed by another starting daemon at the same moment costs one. */
const LOCK_ATTEMPTS = 3

/** Who holds a lock: the pid, and the process's start time so that a pid reused after a reboot is not taken for it. */
interface LockOwner {
  pid: number
  startTime: string
}

/**
 * The data folder's lock, held while a daemon runs. A lock left by a process that is gone (`kill -9`, a power
 * cut) is taken over.
 */
export class DataFolderLock {
  private constructor(private readonly path: string) {}

  /** Takes the lock of `dataDir`; throws `DataFolderLockedError` while another live daemon holds it. */
  static async acquire(dataDir: string): Promise<DataFolderLock> {
    const path = join(dataDir, LOCK_FILE)
    const owner = await ownerLine(process.pid)
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      if (await createExclusive(path, owner)) return new DataFolderLock(path)
      const holder = parseOwner(await readFile(path, 'utf8').catch(() => ''))
      if (holder !== undefined && (await isRunning(holder))) {
        throw new DataFolderLockedError(dataDir, holder.pid)
      }
      await rm(path, { force: true })
    }
    throw new Error(`could not take the lock ${path}: other processes keep taking it`)
  }

  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined)
  }
}

/** Writes the whole lock under a temporary name, then links it into place: the lock never exists half written. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}`
  const file = await open(temporary, 'w', 0o600)
  try {
    await file.writeFile(content)
  } finally {
    await file.close()
  }
  try {
    await link(temporary, path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  } finally {
    await unlink(temporary)
  }
}

async function ownerLine(pid: number): Promise<string> {
  return `${pid} ${await startTimeOf(pid)}\n`
}

function parseOwner(text: string): LockOwner | undefined {
  const [pid = '', startTime = ''] = text.trim().split(' ')
  return /^[1-9][0-9]*$/.test(pid) ? { pid: Number(pid), startTime } : undefined
}

async function isRunning(owner: LockOwner): Promise<boolean> {
  try {
    process.kill(owner.pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  return owner.startTime === '' || (await startTimeOf(owner.pid)) === owner.startTime
}

/** A process's start time in clock ticks since boot (`/proc/<pid>/stat`, field 22); empty where there is no /proc. */
async function startTimeOf(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''
}
