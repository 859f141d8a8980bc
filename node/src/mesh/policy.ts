import type { EnvelopeLimits } from '../wire/index.ts'

/**
 * The rules an engine applies: sizes, quotas, staleness and retry timing. Times in ms, sizes in bytes.
 * How it behaves where the daemon and the simulated networks differ is its profile (`profile.ts`).
 */
export interface EnginePolicy extends EnvelopeLimits {
  /** Receipts from peers are kept at most this long, whatever they claim. */
  maxTtl: number
  /** All relay envelopes together. */
  maxRelayBytes: number
  /** Relay envelopes that came from one peer. */
  maxRelayBytesPerPeer: number
  /** Relay envelopes for one recipient tag. */
  maxRelayBytesPerRecipient: number
  /** A low-priority outbox envelope older than this is dropped, never sent. */
  staleLowAfter: number
  /** First retry delay after a failed hand-off; doubles with each failure. */
  retryBase: number
  /** Longest retry delay. */
  retryCap: number
  /** An outbox envelope refused this many times for one reason that will not change (too large, …) fails. */
  maxRefusals: number
  /** Ids a peer offered that we lack, held per peer until requested; offers beyond are ignored. */
  maxWantedPerPeer: number
  /** Envelopes sent to a peer and not yet acknowledged, at most: further requests are refused as `busy`. */
  maxUnacknowledgedPerPeer: number
  /** The same in bytes. */
  maxUnacknowledgedBytesPerPeer: number
  /** Receipts this node cannot verify (it holds no copy), kept as hints from one peer; its oldest make way. */
  maxReceiptHintsPerPeer: number
  /** Receipt hints from all peers; the oldest make way. */
  maxReceiptHints: number
  /** Verified receipts stored; those expiring soonest make way. */
  maxReceipts: number
}

/** Defaults sized for a Raspberry Pi with an SD card. */
export const DEFAULT_POLICY: EnginePolicy = {
  maxPayloadBytes: 256 * 1024,
  maxTtl: 30 * 24 * 60 * 60 * 1000,
  maxRelayBytes: 512 * 1024 * 1024,
  maxRelayBytesPerPeer: 64 * 1024 * 1024,
  maxRelayBytesPerRecipient: 32 * 1024 * 1024,
  staleLowAfter: 60_000,
  retryBase: 1000,
  retryCap: 5 * 60_000,
  maxRefusals: 5,
  maxWantedPerPeer: 16_384,
  maxUnacknowledgedPerPeer: 1024,
  maxUnacknowledgedBytesPerPeer: 64 * 1024 * 1024,
  maxReceiptHintsPerPeer: 1024,
  maxReceiptHints: 16_384,
  maxReceipts: 262_144
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from
 * [0, min(cap, base · 2^failures)), so peers that failed together do not retry together.
 */
export function retryDelay(policy: EnginePolicy, failures: number, random: () => number): number {
  return Math.floor(
    random() * Math.min(policy.retryCap, policy.retryBase * 2 ** Math.min(Math.max(failures - 1, 0), 30))
  )
}
