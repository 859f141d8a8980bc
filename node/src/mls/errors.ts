/** A message, key package or state that MLS refuses: malformed, not for us, or failing authentication. */
export class MlsRejectedError extends Error {
  override name = 'MlsRejectedError'
}

/** A group command that cannot be done: unknown group, not the committer, not a member. */
export class GroupCommandError extends Error {
  override name = 'InvalidRequestError'
}
