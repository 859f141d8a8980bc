import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expect } from 'chai'
import { PeerScores } from '../node/src/transport/index.ts'
import type { Misbehaviour } from '../node/src/transport/index.ts'

const MINUTE = 60_000

describe('peer scores', () => {
  let now: number
  let banned: { peer: string; reason: Misbehaviour }[]
  let scores: PeerScores

  beforeEach(() => {
    now = 1_000_000
    banned = []
    scores = new PeerScores({
      clock: { now: () => now },
      threshold: 100,
      banDuration: 30 * MINUTE,
      onBan: (peer, reason) => banned.push({ peer, reason })
    })
  })

  it('bans a peer once its faults reach the threshold, once, and for the ban duration', () => {
    for (let i = 0; i < 4; i++) scores.penalise('mallory', 'malformed frame')
    expect(scores.isBanned('mallory')).to.equal(false)
    scores.penalise('mallory', 'malformed')
    scores.penalise('mallory', 'malformed')
    expect(banned).to.deep.equal([{ peer: 'mallory', reason: 'malformed' }])
    expect(scores.isBanned('mallory')).to.equal(true)
    expect(scores.bannedNow()).to.equal(1)
    now += 30 * MINUTE - 1
    expect(scores.isBanned('mallory')).to.equal(true)
    now += 1
    expect(scores.isBanned('mallory')).to.equal(false)
    expect(scores.bannedNow()).to.equal(0)
    expect(scores.bansTotal).to.equal(1)
  })

  it('weighs bad luck at nothing', () => {
    const luck: Misbehaviour[] = [
      'expired',
      'already delivered',
      'store full',
      'evicted',
      'stale',
      'discarded'
    ]
    for (let i = 0; i < 100; i++) for (const reason of luck) scores.penalise('unlucky', reason)
    expect(scores.isBanned('unlucky')).to.equal(false)
  })

  it('halves a score every ten minutes', () => {
    for (let i = 0; i < 4; i++) scores.penalise('bob', 'malformed frame')
    now += 10 * MINUTE
    scores.penalise('bob', 'malformed frame')
    scores.penalise('bob', 'malformed frame')
    expect(scores.isBanned('bob'), '40 + 40 of 100').to.equal(false)
    scores.penalise('bob', 'malformed frame')
    expect(scores.isBanned('bob'), '40 + 60 of 100').to.equal(true)
  })

  it('gives libp2p a gater that refuses to dial a banned peer (inbound: test/hostile-connections.test.ts)', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const gater = scores.gater()
    expect(await gater.denyDialPeer?.(peerId)).to.equal(false)
    scores.penalise(peerId.toString(), 'frame over size')
    expect(await gater.denyDialPeer?.(peerId)).to.equal(true)
  })
})
