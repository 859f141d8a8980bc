/** Version of the envelope format this node writes and accepts. */
export const ENVELOPE_VERSION = 1

/** Hard ceiling on an encoded envelope's size, whatever the configured payload limit: 4 MiB plus headers. */
export const MAX_ENVELOPE_BYTES = 4 * 1024 * 1024 + 1024
