/**
 * Limits and defaults of the local control socket.
 */

/** File name of the control socket inside the daemon's data folder. */
export const CONTROL_SOCKET_NAME = 'control.sock'

/**
 * Largest accepted line (one JSON request or response, without its newline), in bytes: 1 MiB.
 * A longer request line gets a `RequestTooLargeError` response and the connection is closed.
 */
export const MAX_LINE_BYTES = 1024 * 1024

/** How long `callDaemon` waits for an answer before giving up, in milliseconds: 30 s. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000

/**
 * How long a probe connection to an existing socket file may take before the file is assumed to belong to
 * a live but busy daemon (and is therefore left alone), in milliseconds: 2 s.
 */
export const PROBE_TIMEOUT_MS = 2_000

/**
 * After the server has answered an over-long line it half-closes the connection and discards further input;
 * if the client has not closed its side within this time the connection is destroyed, in milliseconds: 1 s.
 */
export const LINGER_MS = 1_000

/**
 * Longest Unix socket path the kernel accepts, in bytes, without the terminating NUL: `sun_path` is 108
 * bytes on Linux and 104 on macOS and the BSDs. libuv silently truncates a longer path, which would bind or
 * connect to a different file, so both ends refuse such paths up front.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103

/**
 * Prefix of the private temporary directory (mode 0700, created by `mkdtemp` next to the final socket) in
 * which the server binds before it links the socket into place. Kept short so that the temporary path is
 * hardly longer than the final one.
 */
export const TEMP_DIR_PREFIX = '.q'

/** Name of the socket inside the temporary directory. */
export const TEMP_SOCKET_NAME = 's'

/** How many times `start()` retries claiming the path after removing a stale socket file. */
export const CLAIM_ATTEMPTS = 3
