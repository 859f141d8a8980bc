import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Clock, DropReason } from '../mesh/index.ts'
import type { SessionFault } from './session.ts'

/** Something a peer did that may count against it: an engine drop reason or a fault of its mesh stream. */
export type Misbehaviour = DropReason | SessionFault

/**
 * Points each misbehaviour adds to a peer's score. Only what an honest peer does not do weighs: an envelope
 * that expired on the way, was delivered meanwhile, or met a full store is bad luck, not an attack, and
 * weighs nothing, as does every reason not listed.
 */
const MISBEHAVIOUR_WEIGHTS: ReadonlyMap<string, number> = new Map<Misbehaviour, number>([
  ['malformed', 20],
  ['forged receipt', 50],
  ['over limit', 20],
  ['peer quota', 1],
  ['malformed frame', 20],
  ['frame over size', 100]
])

/** A score halves in this time, so an honest peer's occasional fault fades. */
const SCORE_HALF_LIFE_MS = 10 * 60 * 1000

/** Scores decay in steps of this length, so the faults of one burst add up exactly to the threshold. */
const DECAY_STEP_MS = 60 * 1000

/** Peers scored or banned at once, at most: a host with many identities cannot make these grow without bound. */
const MAX_TRACKED_PEERS = 4096

export interface PeerScoresInit {
  clock: Clock
  /** Score at which a peer is banned. */
  threshold: number
  /** How long a ban lasts, in ms. */
  banDuration: number
  /** Called once when a peer is banned, to close its connections. */
  onBan(peer: string, reason: Misbehaviour): void
}

interface Score {
  value: number
  at: number
}

/** Misbehaviour scores of peers, decaying with time, and the bans they earn. */
export class PeerScores {
  /** Peers banned since start. */
  bansTotal = 0
  private readonly init: PeerScoresInit
  private readonly scores = new Map<string, Score>()
  /** Banned peers and when their ban ends. */
  private readonly bans = new Map<string, number>()

  constructor(init: PeerScoresInit) {
    this.init = init
  }

  /** Adds `reason`'s weight to `peer`'s score; bans it once the score reaches the threshold. */
  penalise(peer: string, reason: Misbehaviour): void {
    const weight = MISBEHAVIOUR_WEIGHTS.get(reason) ?? 0
    if (weight === 0 || this.isBanned(peer)) return
    const now = this.init.clock.now()
    const previous = this.scores.get(peer)
    const score = previous === undefined ? { value: 0, at: now } : decayed(previous, now)
    score.value += weight
    if (score.value < this.init.threshold) {
      if (previous === undefined) this.makeRoom(this.scores, (other) => decayed(other, now).value)
      this.scores.set(peer, score)
      return
    }
    this.scores.delete(peer)
    this.makeRoom(this.bans, (until) => until)
    this.bans.set(peer, now + this.init.banDuration)
    this.bansTotal++
    this.init.onBan(peer, reason)
  }

  isBanned(peer: string): boolean {
    const until = this.bans.get(peer)
    if (until === undefined) return false
    if (until > this.init.clock.now()) return true
    this.bans.delete(peer)
    return false
  }

  /** Peers banned now. */
  bannedNow(): number {
    for (const peer of [...this.bans.keys()]) this.isBanned(peer)
    return this.bans.size
  }

  /** A libp2p connection gater that refuses banned peers both ways, before and after the handshake. */
  gater(): ConnectionGater {
    const banned = (peerId: PeerId): boolean => this.isBanned(peerId.toString())
    return {
      denyDialPeer: banned,
      denyInboundEncryptedConnection: banned,
      denyOutboundEncryptedConnection: banned,
      denyInboundUpgradedConnection: banned,
      denyOutboundUpgradedConnection: banned
    }
  }

  /** Frees one entry of a full map: the one of least `rank`. */
  private makeRoom<V>(map: Map<string, V>, rank: (value: V) => number): void {
    if (map.size < MAX_TRACKED_PEERS) return
    let least: string | undefined
    let leastRank = Infinity
    for (const [peer, value] of map) {
      const r = rank(value)
      if (r < leastRank) {
        least = peer
        leastRank = r
      }
    }
    if (least !== undefined) map.delete(least)
  }
}

/** `score` at `now`, halved every half-life in whole decay steps (its time moves on by whole steps too). */
function decayed(score: Score, now: number): Score {
  const steps = Math.floor((now - score.at) / DECAY_STEP_MS)
  return {
    value: score.value * 2 ** ((-steps * DECAY_STEP_MS) / SCORE_HALF_LIFE_MS),
    at: score.at + steps * DECAY_STEP_MS
  }
}
