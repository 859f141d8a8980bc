import { QpqError } from '../qpq-error.ts'

/** The base of the daemon layer's errors. */
export abstract class DaemonError extends QpqError {}

/** Another daemon holds the data folder's lock: two daemons on one store would corrupt it. */
export class DataFolderLockedError extends DaemonError {
  static override readonly code = 'E_DAEMON_DATA_FOLDER_LOCKED'
  readonly pid: number

  constructor(dataDir: string, pid: number) {
    super(`another qpq-node runs with this data folder, pid ${pid} (${dataDir})`)
    this.pid = pid
  }
}

/** The data folder or a key file in it can be read by others, or the folder is not this user's. */
export class DataFolderPermissionError extends DaemonError {
  static override readonly code = 'E_DAEMON_DATA_FOLDER_PERMISSION'
}

/** A request reached the daemon while it is not running: before its start finished, or after its stop began. */
export class DaemonStoppedError extends DaemonError {
  static override readonly code = 'E_DAEMON_STOPPED'

  constructor() {
    super('the daemon is not running')
  }
}
