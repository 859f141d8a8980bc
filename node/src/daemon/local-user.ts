import { logger } from '../log/index.ts'
import { decodeFirstText, open } from '../e2e/index.ts'
import type { FirstText } from '../e2e/index.ts'
import type { Opened } from '../e2e/index.ts'
import { acceptedTags, encodeAddress, epochOf } from '../identity/index.ts'
import type { UserIdentity } from '../identity/index.ts'
import { inboxId, MLS_PAYLOAD_MARKER, MlsRejectedError } from '../mls/index.ts'
import type { MlsService, Outgoing } from '../mls/index.ts'
import type { Acceptance, Clock, LocalEndpoint, Unread } from '../mesh/index.ts'
import type { StoredEnvelope, StoreOp } from '../queue/index.ts'
import { readPayload, toHex } from '../wire/index.ts'
import { encodeInboxRecord } from './inbox.ts'

const log = logger('qpq:daemon:local')

/** What the daemon does about sealed requests that carry no text; called once the envelope is accepted. */
export interface KeyPackageExchange {
  /** `from` asks for a key package of ours. */
  requested(from: Uint8Array): void
  /** `from` answered our request with an invite (its key package). */
  received(from: Uint8Array, invite: string): void
  /** `from` sent us a first text sealed to our identity key, with its key package (an MLSMessage). */
  firstText(from: Uint8Array, keyPackage: Uint8Array): void
}

/** This node's user as the engine sees it: the tags it answers to, and the inbox it delivers into. */
export class LocalUser implements LocalEndpoint {
  private cachedEpoch = -1
  private cachedTags: ReadonlySet<string> = new Set()

  constructor(
    private readonly user: UserIdentity,
    private readonly clock: Clock,
    private readonly mls: MlsService,
    private readonly keyPackages: KeyPackageExchange,
    /** Sends what reading an MLS payload called for (a commit of proposals, re-proposals); must not wait. */
    private readonly send: (outgoing: Outgoing[]) => void,
    /** Envelopes for this user may have been tagged this long ago, in milliseconds. */
    private readonly acceptWindow: number
  ) {}

  tags(now: number): ReadonlySet<string> {
    const epoch = epochOf(now)
    if (epoch !== this.cachedEpoch) {
      this.cachedEpoch = epoch
      this.cachedTags = new Set(acceptedTags(this.user.publicKey, now, this.acceptWindow).map(toHex))
    }
    return this.cachedTags
  }

  async accept(envelope: StoredEnvelope): Promise<Acceptance | Unread | undefined> {
    const payload = readPayload(envelope.content)
    let mlsRefusal: string | undefined
    if (payload[0] === MLS_PAYLOAD_MARKER) {
      try {
        return await this.acceptMls(envelope.header.id, payload)
      } catch (err) {
        // A sealed payload starts with a random byte: 1 in 256 look like MLS ones.
        if (!(err instanceof MlsRejectedError)) throw err
        mlsRefusal = err.message
      }
    }
    return this.acceptSealed(envelope.header.id, payload, mlsRefusal)
  }

  /**
   * Reads an MLS payload. A message for a later epoch gets no receipt yet: its copy stays as a relay one,
   * and the MLS layer keeps its messages only once the engine has kept that copy (not for a refused one).
   * The envelope that opens its epoch brings its receipt along (`late`), so the copies are purged.
   */
  private async acceptMls(id: string, payload: Uint8Array): Promise<Acceptance | Unread | undefined> {
    const receivedAt = this.clock.now()
    const received = await this.mls.receive(id, payload, receivedAt)
    queueMicrotask(() => {
      this.send(received.outgoing)
    })
    if (received.keep !== undefined) return { kept: received.keep }
    if (received.receiptSecret === undefined) return undefined
    return {
      receiptSecret: received.receiptSecret,
      late: received.late.map(({ envelopeId, receiptSecret }) => ({ id: envelopeId, secret: receiptSecret })),
      ops: received.texts.map((text) =>
        this.inboxOp({ ...text, group: text.direct ? undefined : text.group }, receivedAt)
      )
    }
  }

  /**
   * The sealed payload: the key-package exchange that bootstraps MLS, or a first text, which goes to the
   * inbox and makes us start the 1:1 group with the sender's key package. `mlsRefusal`: why the payload,
   * which looked like an MLS one, was refused as such.
   */
  private acceptSealed(
    id: string,
    payload: Uint8Array,
    mlsRefusal?: string
  ): Promise<Acceptance | undefined> {
    let opened
    try {
      opened = open(this.user, payload)
    } catch (err) {
      log.error('envelope %x carries our tag but does not open: %s', id, mlsRefusal ?? (err as Error).message)
      return Promise.resolve(undefined)
    }
    const { kind, senderKey, body, receiptSecret } = opened
    if (kind === 'first-text') return Promise.resolve({ receiptSecret, ops: this.firstText(id, opened) })
    queueMicrotask(() => {
      if (kind === 'key-package-request') this.keyPackages.requested(senderKey)
      else this.keyPackages.received(senderKey, new TextDecoder().decode(body))
    })
    return Promise.resolve({ receiptSecret, ops: [] })
  }

  /** The inbox entry of a sealed first text; its key package goes on to start the 1:1 group. */
  private firstText(id: string, { senderKey, body, sentAt }: Opened): StoreOp[] {
    let first: FirstText
    try {
      first = decodeFirstText(body)
    } catch {
      log.error('envelope %x: a first text that does not decode', id)
      return []
    }
    queueMicrotask(() => {
      this.keyPackages.firstText(senderKey, first.keyPackage)
    })
    const receivedAt = this.clock.now()
    return [
      this.inboxOp(
        { id: inboxId(senderKey, first.messageId), from: senderKey, text: first.text, sentAt },
        receivedAt
      )
    ]
  }

  private inboxOp(
    text: { id: string; from: Uint8Array; text: string; sentAt: number; group?: string },
    receivedAt: number
  ): StoreOp {
    return {
      op: 'put-inbox',
      entry: {
        id: text.id,
        receivedAt,
        record: encodeInboxRecord({
          id: text.id,
          from: encodeAddress(text.from),
          text: text.text,
          sentAt: text.sentAt,
          receivedAt,
          ...(text.group === undefined ? {} : { group: text.group })
        })
      }
    }
  }
}
