/** One second, in milliseconds. */
export const SECOND_MS = 1000

/** One day, in milliseconds. */
export const DAY_MS = 24 * 60 * 60 * SECOND_MS

/** One mebibyte, in bytes. */
export const MIB = 1024 * 1024

/**
 * The longest delay Node's timers accept: 2^31 - 1 ms, about 24.8 days. A longer delay fires after 1 ms,
 * so every option that becomes a timer's period is capped here.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** Shortest mDNS query interval, in milliseconds: faster floods the LAN with multicast. */
export const MIN_MDNS_INTERVAL_MS = 100

/** Shortest interval between peer announcements, in milliseconds: faster floods the mesh. */
export const MIN_PEER_EXCHANGE_INTERVAL_MS = 500

/** Shortest silent-connection timeout, in milliseconds: a peer needs a moment to open its mesh stream. */
export const MIN_SILENT_TIMEOUT_MS = 100

/** Smallest per-peer buffer bound, in bytes (64 KiB): below it every frame would pause reading. */
export const MIN_PEER_BUFFER_BYTES = 64 * 1024

/** Shortest envelope time to live, in milliseconds (one second). */
export const MIN_TTL_MS = SECOND_MS

/** Longest envelope time to live, in milliseconds (30 days). */
export const MAX_TTL_MS = 30 * DAY_MS

/** Smallest hop limit an envelope may start with: it reaches at least a neighbour. */
export const MIN_HOP_LIMIT = 1

/** Largest hop limit an envelope may start with. */
export const MAX_HOP_LIMIT = 64

/** Smallest payload limit, in bytes (1 KiB). */
export const MIN_PAYLOAD_BYTES = 1024

/** Largest payload limit, in bytes (4 MiB): the wire format's ceiling on an envelope's payload. */
export const MAX_PAYLOAD_BYTES = 4 * MIB

/** Most refusals an outbox envelope may meet for one lasting reason before it fails; its expiry bounds it anyway. */
export const MAX_REFUSALS = 1000

/** Shortest relay store sweep interval, in milliseconds (one second). */
export const MIN_SWEEP_INTERVAL_MS = SECOND_MS

/** Most identities the key-package directory may keep: about 12 KiB each (three key packages), 1.2 GiB in all. */
export const MAX_DIRECTORY_IDENTITIES = 100_000

/** Shortest interval between key-package pulls from one peer, in milliseconds (one second). */
export const MIN_DIRECTORY_PULL_INTERVAL_MS = SECOND_MS

/** The prefix of every configuration environment variable: `QPQ_<SECTION>_<KEY>`. */
export const ENV_PREFIX = 'QPQ_'
