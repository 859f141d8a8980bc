/**
 * The CLI's own errors, and what the CLI makes of every error code: one line (the error's message, as
 * `qpq-node: <message>` on standard error) and the exit status in `EXIT_STATUS`. docs/errors.md lists them.
 */

import {
  AbortError,
  ControlProtocolError,
  ControlSocketPathError,
  ControlTimeoutError,
  DaemonAlreadyRunningError,
  DaemonNotRunningError,
  InvalidRequestError,
  RequestTooLargeError,
  ResponseEncodingError,
  ResponseTooLargeError,
  UnknownMethodError
} from '../api/errors.ts'
import { ConfigError } from '../config/errors.ts'
import { DaemonStoppedError, DataFolderLockedError, DataFolderPermissionError } from '../daemon/errors.ts'
import { SealOpenError } from '../e2e/errors.ts'
import { IdentityExistsError, IdentityMissingError, InvalidAddressError } from '../identity/errors.ts'
import { GroupCommandError, MlsRejectedError } from '../mls/errors.ts'
import { codeOf, INTERNAL_ERROR_CODE, QpqError } from '../qpq-error.ts'
import { ListenError } from '../transport/errors.ts'
import { MalformedEnvelopeError, MalformedMessageError, OversizeEnvelopeError } from '../wire/errors.ts'

/** The base of the CLI's own errors. */
export abstract class CliError extends QpqError {}

/** A text to send that is longer than `envelope.max_payload_bytes`: refused before anything is queued. */
export class TextTooLongError extends CliError {
  static override readonly code = 'E_CLI_TEXT_TOO_LONG'
}

/** A text to send that cannot be read (a missing file) or is not valid UTF-8. */
export class TextInputError extends CliError {
  static override readonly code = 'E_CLI_TEXT_INPUT'
}

/** The daemon did not answer `id --wait` in time, or `--field multiaddr` found none to print. */
export class DaemonUnavailableError extends CliError {
  static override readonly code = 'E_CLI_DAEMON_UNAVAILABLE'
}

/** Exit status of a failure that is not the user's to mend by changing the command: no daemon, a refusal. */
export const EXIT_FAILURE = 1

/**
 * Exit status for a wrong argument or configuration value, as most Unix tools use it, and for every other
 * start-up failure the user can cause and mend (a port in use, a data folder in use).
 */
export const EXIT_USAGE = 2

export type ExitStatus = typeof EXIT_FAILURE | typeof EXIT_USAGE

/**
 * The exit status of each error code, whether the error was thrown here or came from the daemon (a request
 * the daemon refused as invalid, an unknown group, a change that makes no sense, is a usage error too). Every
 * code has its line; a code this table does not know (from a newer daemon) exits 1.
 */
export const EXIT_STATUS: Readonly<Record<string, ExitStatus>> = {
  // wrong arguments and configuration values
  [ConfigError.code]: EXIT_USAGE,
  [InvalidAddressError.code]: EXIT_USAGE,
  [InvalidRequestError.code]: EXIT_USAGE,
  [OversizeEnvelopeError.code]: EXIT_USAGE,
  [GroupCommandError.code]: EXIT_USAGE,
  [TextInputError.code]: EXIT_USAGE,
  [TextTooLongError.code]: EXIT_USAGE,
  // start-up failures the user can mend
  [ListenError.code]: EXIT_USAGE,
  [DataFolderLockedError.code]: EXIT_USAGE,
  [DataFolderPermissionError.code]: EXIT_USAGE,
  [DaemonAlreadyRunningError.code]: EXIT_USAGE,
  [ControlSocketPathError.code]: EXIT_USAGE,
  // no daemon, or none that answers
  [DaemonNotRunningError.code]: EXIT_FAILURE,
  [DaemonStoppedError.code]: EXIT_FAILURE,
  [DaemonUnavailableError.code]: EXIT_FAILURE,
  [ControlTimeoutError.code]: EXIT_FAILURE,
  // refusals and failures
  [IdentityExistsError.code]: EXIT_FAILURE,
  [IdentityMissingError.code]: EXIT_FAILURE,
  [MlsRejectedError.code]: EXIT_FAILURE,
  [SealOpenError.code]: EXIT_FAILURE,
  [MalformedEnvelopeError.code]: EXIT_FAILURE,
  [MalformedMessageError.code]: EXIT_FAILURE,
  [UnknownMethodError.code]: EXIT_FAILURE,
  [RequestTooLargeError.code]: EXIT_FAILURE,
  [ResponseTooLargeError.code]: EXIT_FAILURE,
  [ResponseEncodingError.code]: EXIT_FAILURE,
  [ControlProtocolError.code]: EXIT_FAILURE,
  [AbortError.code]: EXIT_FAILURE,
  [INTERNAL_ERROR_CODE]: EXIT_FAILURE
}

/** The exit status for whatever a command threw: by its code, the daemon's own for a `RemoteError`. */
export function exitStatusOf(err: unknown): ExitStatus {
  return EXIT_STATUS[codeOf(err)] ?? EXIT_FAILURE
}

/** The line printed for whatever a command threw. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
