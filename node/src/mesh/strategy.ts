import type { EnvelopeSummary } from '../queue/index.ts'

/** What a strategy may know of a neighbour. */
export interface PeerView {
  id: string
  /** Whether the peer takes delivery of envelopes with this (hex) tag. */
  takesTag(tag: string): boolean
}

/**
 * Decides which envelopes go to which neighbour. The engine has already
 * applied the hard rules (expiry, hop limit, what the peer already has) and
 * always hands an envelope to its recipient; the strategy decides the rest.
 */
export interface ForwardingStrategy {
  readonly name: string
  shouldForward(envelope: EnvelopeSummary, peer: PeerView): boolean
}

/** Epidemic routing: every neighbour gets a copy of everything it lacks. */
export const epidemic: ForwardingStrategy = {
  name: 'epidemic',
  shouldForward: () => true
}
