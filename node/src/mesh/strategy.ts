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
 * One instance serves one engine: strategies may keep state per node.
 */
export interface ForwardingStrategy {
  readonly name: string
  shouldForward(envelope: EnvelopeSummary, peer: PeerView): boolean
  /** Copies a new envelope of this node's user starts with, for strategies that count copies. */
  readonly initialCopies?: number
  /** Copies handed to `peer` with `envelope` (its `copies` is what this node holds). */
  handOut?(envelope: EnvelopeSummary, peer: PeerView): number
  /** Copies this node keeps once a peer acknowledged `given` of the `held`; 0 deletes the envelope. */
  keep?(held: number, given: number): number
  /** What this node tells each peer it meets, in its hello. */
  hello?(now: number): Uint8Array | undefined
  /** A peer's hello arrived: its tags and what its strategy shared (possibly malformed). */
  met?(peer: string, tags: ReadonlySet<string>, shared: Uint8Array | undefined, now: number): void
  /** The contact with a peer ended. */
  parted?(peer: string): void
}

/** Epidemic routing: every neighbour gets a copy of everything it lacks. */
export const epidemic: ForwardingStrategy = {
  name: 'epidemic',
  shouldForward: () => true
}

/** Direct delivery: the source holds its envelope until it meets the recipient. */
export const directDelivery: ForwardingStrategy = {
  name: 'direct-delivery',
  shouldForward: () => false
}

/** First contact: a single copy, handed to whichever peer comes first and deleted once it is acknowledged. */
export const firstContact: ForwardingStrategy = {
  name: 'first-contact',
  shouldForward: () => true,
  initialCopies: 1,
  handOut: () => 1,
  keep: (held, given) => Math.max(0, held - given)
}

export type SprayMode = 'binary' | 'source'

/**
 * Spray and wait (Spyropoulos et al. 2005): an envelope starts with `copies`
 * copies; a node holding n > 1 hands on half of them (binary mode) or one
 * (source mode), and with one left waits to meet the recipient.
 */
export function sprayAndWait(copies: number, mode: SprayMode = 'binary'): ForwardingStrategy {
  return {
    name: 'spray-and-wait',
    initialCopies: copies,
    shouldForward: (envelope) => (envelope.copies ?? 1) > 1,
    handOut: (envelope) => {
      const held = envelope.copies ?? 1
      if (held <= 1) return 0
      return mode === 'binary' ? Math.floor(held / 2) : 1
    },
    keep: (held, given) => Math.max(1, held - given)
  }
}
