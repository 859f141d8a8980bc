/**
 * The root of every error qpq-node throws on purpose. Each layer (wire, identity, e2e, mls, mesh, config,
 * daemon, api, cli) has one base class extending it, and each error of that layer extends that base. A
 * concrete class names its stable `code` once, as `static readonly code`; `name` is the class's name. The
 * codes and what the CLI makes of them: docs/errors.md. Pure: no I/O, imports nothing.
 */

/** The code of an error that is no `QpqError`: a bug, or a library's or the system's error. */
export const INTERNAL_ERROR_CODE = 'E_INTERNAL'

/** The root of qpq-node's errors: a message, a stable `code`, `name` the class's name, and `cause` if given. */
export abstract class QpqError extends Error {
  /**
   * The stable code of a concrete class, `E_<LAYER>_<WHAT>`; the layer bases have none. Codes never change
   * meaning: the control socket carries them and the CLI maps them to exit statuses.
   */
  static readonly code: string | undefined = undefined

  /** The class's `code`. */
  readonly code: string

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = new.target.code ?? INTERNAL_ERROR_CODE
  }
}

/** The stable code of any thrown value: a `QpqError`'s own, `INTERNAL_ERROR_CODE` for anything else. */
export function codeOf(err: unknown): string {
  return err instanceof QpqError ? err.code : INTERNAL_ERROR_CODE
}
