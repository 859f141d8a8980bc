const MIB = 1024 * 1024

/** What strangers and unknown groups may make this user keep (config keys `mls.max_*`). */
export interface MlsLimits {
  /** Bytes of messages kept for a later epoch or an unknown group, per group. */
  maxPendingBytesPerGroup: number
  /** Bytes of such messages in all; beyond it the oldest go. */
  maxPendingBytes: number
  /**
   * Strangers (people in no group of ours) served per hour: 1:1 groups started from their sealed first texts
   * and key packages handed out to their requests. Beyond it their texts still reach the inbox, unanswered.
   */
  maxStrangerStartsPerHour: number
  /** 1:1 groups started from strangers' first texts that they never answered; beyond it the oldest go. */
  maxUnansweredStrangers: number
}

export const DEFAULT_MLS_LIMITS: MlsLimits = {
  maxPendingBytesPerGroup: 4 * MIB,
  maxPendingBytes: 32 * MIB,
  maxStrangerStartsPerHour: 60,
  maxUnansweredStrangers: 200
}

/** Why the MLS layer refused or evicted something a peer sent (the `mls` counters of `status`). */
export type MlsQuotaReason =
  /** A message kept for its epoch went to make room for a newer one. */
  | 'pending evicted'
  /** A message too large for the pending quota by itself was not kept. */
  | 'pending refused'
  /** A stranger's first text over the hourly rate: it reaches the inbox, no group is started. */
  | 'stranger text unanswered'
  /** A stranger's key-package request over the hourly rate: not answered. */
  | 'stranger request unanswered'
  /** A group started from a stranger's first text, never answered, went to make room for a newer one. */
  | 'stranger group evicted'
