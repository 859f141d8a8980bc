import { randomFillSync } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { StoredEnvelope } from '../node/src/queue/index.ts'
import { createEnvelopeContent } from '../node/src/wire/index.ts'
import type { Priority } from '../node/src/wire/index.ts'
import { WORKLOAD } from './queue-figures.ts'

/** Expiry of the generated envelopes: a week ahead, so none expires during the run. */
const TTL_MS = 7 * 24 * 60 * 60 * 1000

/** Relay envelopes as a busy relay holds them: many recipients, a priority mix, a handful of peers. */
export class RelayEnvelopes {
  private made = 0

  private constructor(
    private readonly tags: Uint8Array[],
    private readonly peers: string[]
  ) {}

  /** Random recipient tags and real Ed25519 peer ids, as many as the workload says. */
  static async create(): Promise<RelayEnvelopes> {
    const tags = Array.from({ length: WORKLOAD.recipients }, () =>
      randomFillSync(new Uint8Array(WORKLOAD.tagBytes))
    )
    const peers = await Promise.all(
      Array.from({ length: WORKLOAD.fromPeers }, async () =>
        peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      )
    )
    return new RelayEnvelopes(tags, peers)
  }

  /**
   * The next `count` envelopes: random payloads (incompressible, as ciphertext is), 10 % critical, 70 %
   * normal, 20 % low, recipients and source peers taken in turn.
   */
  next(count: number): StoredEnvelope[] {
    const now = Date.now()
    return Array.from({ length: count }, () => {
      const i = this.made++
      const { content, header } = createEnvelopeContent({
        tag: this.tags[i % this.tags.length] ?? new Uint8Array(WORKLOAD.tagBytes),
        expiresAt: now + TTL_MS,
        priority: priorityOf(i),
        receiptHash: randomFillSync(new Uint8Array(32)),
        payload: randomFillSync(new Uint8Array(WORKLOAD.payloadBytes))
      })
      return {
        header,
        content,
        hopsLeft: 8,
        origin: 'relay',
        receivedAt: now,
        fromPeer: this.peers[i % this.peers.length] ?? '',
        recipient: ''
      }
    })
  }
}

function priorityOf(i: number): Priority {
  const tenth = i % 10
  if (tenth === 0) return 'critical'
  return tenth < 8 ? 'normal' : 'low'
}
