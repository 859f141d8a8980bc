import { logger } from '@libp2p/logger'
import { open } from '../e2e/index.ts'
import { acceptedTags, encodeAddress, epochOf } from '../identity/index.ts'
import type { UserIdentity } from '../identity/index.ts'
import type { Acceptance, Clock, LocalEndpoint } from '../mesh/index.ts'
import type { StoredEnvelope } from '../queue/index.ts'
import { readPayload } from '../wire/index.ts'
import { bytesToHex } from '@noble/hashes/utils.js'
import { encodeInboxRecord } from './inbox.ts'

const log = logger('qpq:daemon:local')

/** This node's user as the engine sees it: the tags it answers to, and the inbox it delivers into. */
export class LocalUser implements LocalEndpoint {
  private cachedEpoch = -1
  private cachedTags: ReadonlySet<string> = new Set()

  constructor(
    private readonly user: UserIdentity,
    private readonly clock: Clock,
    /** Envelopes for this user may have been tagged this long ago, in milliseconds. */
    private readonly acceptWindow: number
  ) {}

  tags(now: number): ReadonlySet<string> {
    const epoch = epochOf(now)
    if (epoch !== this.cachedEpoch) {
      this.cachedEpoch = epoch
      this.cachedTags = new Set(
        acceptedTags(this.user.publicKey, now, this.acceptWindow).map((tag) => bytesToHex(tag))
      )
    }
    return this.cachedTags
  }

  accept(envelope: StoredEnvelope): Promise<Acceptance | undefined> {
    let opened
    try {
      opened = open(this.user, readPayload(envelope.content))
    } catch (err) {
      log.error(
        'envelope %s carries our tag but does not open: %s',
        envelope.header.id,
        (err as Error).message
      )
      return Promise.resolve(undefined)
    }
    const receivedAt = this.clock.now()
    const record = encodeInboxRecord({
      id: envelope.header.id,
      from: encodeAddress(opened.senderKey),
      text: new TextDecoder().decode(opened.body),
      sentAt: opened.sentAt,
      receivedAt
    })
    return Promise.resolve({
      receiptSecret: opened.receiptSecret,
      ops: [{ op: 'put-inbox', entry: { id: envelope.header.id, receivedAt, record } }]
    })
  }
}
