/** Human-readable prefix of a user address (bech32m). */
export const ADDRESS_PREFIX = 'qpq'

/** Length of a recipient tag in bytes: long enough that two users never collide by chance. */
export const TAG_BYTES = 16

/** Recipient tags rotate once per epoch: 24 hours, in milliseconds. */
export const TAG_EPOCH_MS = 24 * 60 * 60 * 1000

/** Domain separation for tag derivation. */
export const TAG_DOMAIN = 'qpq/recipient-tag/v1'

/** File names inside the data folder. */
export const USER_KEY_FILE = 'identity.key'
export const NODE_KEY_FILE = 'node.key'
