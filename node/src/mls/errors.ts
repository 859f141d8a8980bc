import { QpqError } from '../qpq-error.ts'

/** The base of the MLS layer's errors. */
export abstract class MlsError extends QpqError {}

/** A message, key package or state that MLS refuses: malformed, not for us, or failing authentication. */
export class MlsRejectedError extends MlsError {
  static override readonly code = 'E_MLS_REJECTED'
}

/** A group command that cannot be done: unknown group, not a member, a change that makes no sense. */
export class GroupCommandError extends MlsError {
  static override readonly code = 'E_MLS_GROUP_COMMAND'
}
