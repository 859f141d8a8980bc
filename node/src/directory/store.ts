import { chmod, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { IdentityRecord } from './records.pb.ts'

/**
 * The directory's LevelDB (`<data>/directory`): one {@link IdentityRecord} per identity, keyed by the hex
 * identity key. The folder is made 0700 whatever the umask, so no one else reaches the files LevelDB adds
 * later; those there at opening are made 0600 as well.
 */
export class DirectoryStore {
  private readonly db: ClassicLevel<string, Uint8Array>

  constructor(private readonly path: string) {
    this.db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  }

  async open(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: 0o700 })
    await chmod(this.path, 0o700)
    await this.db.open()
    for (const file of await readdir(this.path)) await chmod(join(this.path, file), 0o600)
  }

  close(): Promise<void> {
    return this.db.close()
  }

  /** Every record, with the identities whose record does not decode (to delete). */
  async records(): Promise<{ records: [string, IdentityRecord][]; broken: string[] }> {
    const records: [string, IdentityRecord][] = []
    const broken: string[] = []
    for await (const [key, value] of this.db.iterator()) {
      try {
        records.push([key, IdentityRecord.decode(value)])
      } catch {
        broken.push(key)
      }
    }
    return { records, broken }
  }

  /** Writes the records given and deletes the identities mapped to `undefined`, in one batch. */
  write(changes: Map<string, IdentityRecord | undefined>): Promise<void> {
    return this.db.batch(
      [...changes].map(([key, record]) =>
        record === undefined
          ? { type: 'del' as const, key }
          : { type: 'put' as const, key, value: IdentityRecord.encode(record) }
      )
    )
  }
}
