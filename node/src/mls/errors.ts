/** A message, key package or state that MLS refuses: malformed, not for us, or failing authentication. */
export class MlsRejectedError extends Error {
  override name = 'MlsRejectedError'
}

/** A group command that cannot be done: unknown group, not a member, a change that makes no sense. */
export class GroupCommandError extends Error {
  static readonly NAME = 'GroupCommandError'
  override name = GroupCommandError.NAME
}
