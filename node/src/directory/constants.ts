/** libp2p protocol id of the key-package exchange (docs/key-package-directory.md). */
export const KEY_PACKAGE_PROTOCOL = '/qpq/keypackages/1.0.0'

/** Key packages kept per identity: the owner announces its last-resort one and two one-time ones. */
export const KEY_PACKAGES_PER_IDENTITY = 3

/** Identities kept, by default (`directory.max_identities`); beyond it the one seen longest ago goes. */
export const DEFAULT_MAX_IDENTITIES = 1000

/** Milliseconds between pulls from a peer that stays connected, by default (`directory.pull_interval`). */
export const DEFAULT_PULL_INTERVAL_MS = 5 * 60 * 1000

/** Bytes of a per-identity digest in a summary: collisions only make a puller miss an update. */
export const DIGEST_BYTES = 8

/**
 * Digests read from one summary, at most: a protocol constant, so that a puller keeping more identities than
 * this sends only its most recent ones and gets the rest again (the answer's limits apply anyway).
 */
export const MAX_SUMMARY_DIGESTS = 16_384

/** Largest summary read: its digests with their field tags and lengths. */
export const MAX_SUMMARY_BYTES = MAX_SUMMARY_DIGESTS * (DIGEST_BYTES + 2) + 16

/** Key packages in one answer, at most. */
export const MAX_ANSWER_KEY_PACKAGES = 256

/** Bytes of key packages in one answer, at most; the read limit adds room for field tags and lengths. */
export const MAX_ANSWER_BYTES = 256 * 1024

/** Largest answer read: its key packages with a tag and a length each. */
export const MAX_ANSWER_READ_BYTES = MAX_ANSWER_BYTES + MAX_ANSWER_KEY_PACKAGES * 4

/** Longest a pull or an answer may take, stream opening included, in milliseconds. */
export const EXCHANGE_TIMEOUT_MS = 10_000

/** Streams of this protocol open at once per connection, each way. */
export const MAX_STREAMS_PER_CONNECTION = 2
