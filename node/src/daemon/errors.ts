/** Another daemon holds the data folder's lock: two daemons on one store would corrupt it. */
export class DataFolderLockedError extends Error {
  static readonly NAME = 'DataFolderLockedError'
  readonly pid: number

  constructor(dataDir: string, pid: number) {
    super(`another qpq-node runs with this data folder, pid ${pid} (${dataDir})`)
    this.name = DataFolderLockedError.NAME
    this.pid = pid
  }
}

/** The data folder or a key file in it can be read by others, or the folder is not this user's. */
export class DataFolderPermissionError extends Error {
  static readonly NAME = 'DataFolderPermissionError'
  override name = DataFolderPermissionError.NAME
}
