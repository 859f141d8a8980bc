import type { StoreCounts, StoredEnvelope } from './types.ts'

export function emptyCounts(): StoreCounts {
  return { outbox: 0, relay: 0, relayBytes: 0, receipts: 0, inbox: 0 }
}

/** Adds (`sign` 1) or removes (`sign` -1) an envelope from the counts. */
export function countEnvelope(counts: StoreCounts, envelope: StoredEnvelope, sign: 1 | -1): void {
  if (envelope.origin === 'local') {
    counts.outbox += sign
  } else {
    counts.relay += sign
    counts.relayBytes += sign * envelope.header.size
  }
}
