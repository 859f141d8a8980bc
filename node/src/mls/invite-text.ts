/** Invites are text: this prefix, then a key package (an MLSMessage) in base64url. */
export const INVITE_PREFIX = 'qpqinvite1'

/** Whether `text` is an invite rather than an address; light enough for the CLI to load. */
export function isInvite(text: string): boolean {
  return text.startsWith(INVITE_PREFIX)
}
