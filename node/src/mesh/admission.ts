import { andThen as then, forEach, PRIORITY_RANK, walk } from '../queue/index.ts'
import type { EnvelopeSummary, Later, StoredEnvelope, StoredReceipt } from '../queue/index.ts'
import { decodeEnvelope, readHeader, toHex } from '../wire/index.ts'
import type { DecodedEnvelope, EnvelopeHeader } from '../wire/index.ts'
import { frameTo } from './actions.ts'
import type { EngineContext } from './context.ts'
import type { Cycle } from './cycle.ts'
import type { Acceptance, DropReason, EngineAction, SubmittedEnvelope, Unread } from './engine-types.ts'
import type { MeshFrame } from './mesh.pb.ts'
import type { OfferWalk } from './offer-walk.ts'
import type { Outbox } from './outbox.ts'
import type { PeerState, Peers } from './peers.ts'
import type { DroppedEnvelopes, RelayBuffer } from './profile.ts'
import { receiptMatches } from './receipts.ts'
import type { Receipts } from './receipts.ts'
import { tooLargeId } from './refusals.ts'

type Admitted =
  | { kind: 'delivered'; receipts: StoredReceipt[] }
  | { kind: 'stored' }
  | { kind: 'refused'; reason: DropReason }

/**
 * Envelopes coming in, from peers or from the user: delivered to the user if they are theirs, else kept for
 * relaying within the quotas, evicting others when the store is full.
 */
export class Admission {
  constructor(
    private readonly ctx: EngineContext,
    private readonly peers: Peers,
    private readonly outbox: Outbox,
    private readonly receipts: Receipts,
    private readonly offers: OfferWalk,
    private readonly dropped: DroppedEnvelopes,
    private readonly buffer: RelayBuffer
  ) {}

  /** Whether an envelope of `size` bytes fits the relay store as it stands, evicting nothing. */
  fits(size: number): boolean {
    const { relayBytes, outboxBytes } = this.ctx.store.counts()
    return this.excess(relayBytes, outboxBytes, size) <= 0
  }

  /** Envelopes a peer sent: each acknowledged once taken, or refused; what was stored is offered on. */
  received(
    peer: string,
    state: PeerState,
    raw: Uint8Array[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    const { tally } = this.ctx
    const now = this.ctx.clock.now()
    const acks: Uint8Array[] = []
    const refusals: MeshFrame.Refusal[] = []
    const stored: StoredEnvelope[] = []
    const receipts: StoredReceipt[] = []
    const decoded: DecodedEnvelope[] = []
    for (const bytes of raw) {
      try {
        decoded.push(decodeEnvelope(bytes, this.ctx.policy))
      } catch (err) {
        const idBytes = tooLargeId(bytes, err)
        if (idBytes === undefined) {
          tally.drop(out, 'malformed', (err as Error).message, { peer })
          continue
        }
        const id = toHex(idBytes)
        this.peers.requestDone(state, id)
        tally.drop(out, 'too large', (err as Error).message, { peer, id })
        refusals.push({ envelopeId: idBytes, reason: 'too large' })
      }
    }
    const takeIn = ({ header, content, hopsLeft, copies }: DecodedEnvelope): Later<void> => {
      this.peers.requestDone(state, header.id)
      if (header.expiresAt <= now) {
        tally.drop(out, 'expired', 'arrived expired', { peer, id: header.id })
        return
      }
      const envelope: StoredEnvelope = {
        header,
        content,
        hopsLeft,
        origin: 'relay',
        receivedAt: now,
        fromPeer: peer,
        recipient: '',
        ...(copies === undefined ? {} : { copies })
      }
      const hint = this.receipts.hint(header.id)
      if (hint !== undefined) {
        this.receipts.deleteHint(header.id)
        if (receiptMatches(hint.secret, envelope)) {
          acks.push(header.idBytes)
          tally.drop(out, 'already delivered', 'a receipt hint for it matches', { peer, id: header.id })
          cycle.putReceipt(hint)
          receipts.push(hint)
          return
        }
      }
      return then(cycle.receipt(header.id), (receipt) => {
        if (receipt !== undefined) {
          if (receiptMatches(receipt.secret, envelope)) {
            acks.push(header.idBytes)
            tally.drop(out, 'already delivered', 'a receipt for it is known', { peer, id: header.id })
            this.receipts.send(peer, [receipt], out)
            return
          }
          cycle.deleteReceipt(receipt)
        }
        if (cycle.hasEnvelope(header.id)) {
          acks.push(header.idBytes)
          return
        }
        return then(this.admit(envelope, cycle, out), (admitted) => {
          if (admitted.kind === 'refused') {
            refusals.push({ envelopeId: header.idBytes, reason: admitted.reason })
            tally.refused(peer, admitted.reason)
            return
          }
          acks.push(header.idBytes)
          if (admitted.kind === 'delivered') receipts.push(...admitted.receipts)
          else stored.push(envelope)
        })
      })
    }
    const prefetched = cycle.prefetchReceipts(decoded.map(({ header }) => header.id))
    return then(
      then(prefetched, () => forEach(decoded, takeIn)),
      () => {
        const answer = { acks, refusals }
        const back = this.dropped.offersBack(peer, state, stored, this.offers, cycle, out)
        if (back.length > 0) this.offers.send(peer, state, back, out, answer)
        else if (acks.length > 0 || refusals.length > 0) out.push(frameTo(peer, answer))
        this.receipts.spread(receipts, out)
        this.offers.offerNew(stored, peer, cycle, out)
      }
    )
  }

  /** Envelopes of this node's user, stored in its outbox (or delivered at once, if for itself). */
  submitted(submitted: SubmittedEnvelope[], cycle: Cycle, out: EngineAction[]): Later<void> {
    const now = this.ctx.clock.now()
    const fresh: StoredEnvelope[] = []
    const receipts: StoredReceipt[] = []
    const copies = this.ctx.strategy.initialCopies
    const taken = forEach(submitted, ({ content, hopLimit, recipient }) => {
      const envelope: StoredEnvelope = {
        header: readHeader(content),
        content,
        hopsLeft: hopLimit,
        origin: 'local',
        receivedAt: now,
        fromPeer: '',
        recipient: recipient ?? '',
        ...(copies === undefined ? {} : { copies })
      }
      if (cycle.hasEnvelope(envelope.header.id)) return
      return then(this.admit(envelope, cycle, out), (admitted) => {
        if (admitted.kind === 'delivered') receipts.push(...admitted.receipts)
        else if (admitted.kind === 'stored') fresh.push(envelope)
      })
    })
    return then(taken, () => {
      this.receipts.spread(receipts, out)
      this.offers.offerNew(fresh, undefined, cycle, out)
    })
  }

  /** Makes room for an envelope that starts arriving from a peer, if it would be kept for relaying. */
  incoming(peer: string, header: EnvelopeHeader, cycle: Cycle, out: EngineAction[]): Later<void> {
    const now = this.ctx.clock.now()
    const { id, tag } = header
    if (header.expiresAt <= now || cycle.hasEnvelope(id) || cycle.hasReceipt(id)) return
    if (this.ctx.local.tags(now).has(tag) || this.quotaExceeded(peer, header, cycle) !== undefined) return
    return then(this.makeRoom(header, cycle, out), () => undefined)
  }

  /** Takes an envelope in: delivers it if it is ours, else keeps it for relaying, within the quotas. */
  private admit(envelope: StoredEnvelope, cycle: Cycle, out: EngineAction[]): Later<Admitted> {
    const { local } = this.ctx
    if (!local.tags(this.ctx.clock.now()).has(envelope.header.tag)) return this.keep(envelope, cycle, out)
    return then(local.accept(envelope), (acceptance) => {
      if (acceptance === undefined) return this.keep(envelope, cycle, out)
      if ('kept' in acceptance) return this.keepUnread(envelope, acceptance, cycle, out)
      return this.deliverHere(envelope, acceptance, cycle, out)
    })
  }

  /** Keeps the copy of an envelope our user cannot read yet; the user keeps its part only if the copy is. */
  private keepUnread(
    envelope: StoredEnvelope,
    unread: Unread,
    cycle: Cycle,
    out: EngineAction[]
  ): Later<Admitted> {
    return then(this.keep(envelope, cycle, out), (admitted) =>
      admitted.kind === 'stored' ? then(unread.kept(), () => admitted) : admitted
    )
  }

  /** Commits the receipt of an envelope our user accepted (and of those it made readable). */
  private deliverHere(
    envelope: StoredEnvelope,
    acceptance: Acceptance,
    cycle: Cycle,
    out: EngineAction[]
  ): Later<Admitted> {
    const { header } = envelope
    if (!receiptMatches(acceptance.receiptSecret, envelope))
      return { kind: 'refused', reason: 'not acceptable' }
    const receipt = { id: header.id, secret: acceptance.receiptSecret, expiresAt: header.expiresAt }
    cycle.putReceipt(receipt)
    cycle.ops.push(...acceptance.ops)
    out.push({ kind: 'delivered', id: header.id })
    return then(this.lateReceipts(acceptance.late ?? [], cycle, out), (late) => ({
      kind: 'delivered' as const,
      receipts: [receipt, ...late]
    }))
  }

  /** Keeps an envelope that is not for our user, within the quotas, making room if it must. */
  private keep(envelope: StoredEnvelope, cycle: Cycle, out: EngineAction[]): Later<Admitted> {
    const { header } = envelope
    if (envelope.origin === 'relay') {
      const over = this.quotaExceeded(envelope.fromPeer, header, cycle)
      if (over !== undefined) return this.refuse(out, over, envelope)
    }
    const room = this.buffer.holds(envelope.origin) ? this.makeRoom(header, cycle, out) : true
    return then(room, (made): Admitted => {
      if (!made) return this.refuse(out, 'store full', envelope)
      cycle.putEnvelope(envelope)
      return { kind: 'stored' }
    })
  }

  /** The quota an envelope relayed from `peer` would exceed, if any (unlimited ones are not counted). */
  private quotaExceeded(peer: string, header: EnvelopeHeader, cycle: Cycle): DropReason | undefined {
    const { maxRelayBytesPerPeer, maxRelayBytesPerRecipient } = this.ctx.policy
    if (maxRelayBytesPerPeer !== Infinity && cycle.relayBytesFrom(peer) + header.size > maxRelayBytesPerPeer)
      return 'peer quota'
    if (
      maxRelayBytesPerRecipient !== Infinity &&
      cycle.relayBytesFor(header.tag) + header.size > maxRelayBytesPerRecipient
    )
      return 'recipient quota'
    return undefined
  }

  /**
   * Delivers envelopes held unread until now: each whose copy is still held and matches its receipt loses
   * its copy and gets its receipt. One no longer held (expired, evicted), or whose secret does not match,
   * gets none.
   */
  private lateReceipts(
    late: { id: string; secret: Uint8Array }[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<StoredReceipt[]> {
    if (late.length === 0) return []
    return then(cycle.envelopes(late.map(({ id }) => id)), (envelopes) => {
      const receipts: StoredReceipt[] = []
      late.forEach(({ id, secret }, i) => {
        const envelope = envelopes[i]
        if (envelope === undefined || !cycle.hasEnvelope(id) || cycle.hasReceipt(id)) return
        if (!receiptMatches(secret, envelope)) return
        cycle.deleteEnvelope(envelope)
        const receipt = { id, secret, expiresAt: envelope.header.expiresAt }
        cycle.putReceipt(receipt)
        out.push({ kind: 'delivered', id })
        receipts.push(receipt)
      })
      return receipts
    })
  }

  private refuse(out: EngineAction[], reason: DropReason, envelope: EnvelopeSummary): Admitted {
    this.ctx.tally.drop(out, reason, `refused ${envelope.header.size} bytes`, {
      peer: envelope.fromPeer,
      id: envelope.header.id
    })
    return { kind: 'refused', reason }
  }

  /** Bytes over the relay store's cap once `size` more are in, given what it holds. */
  private excess(relayBytes: number, outboxBytes: number, size: number): number {
    return this.buffer.bytes(relayBytes, outboxBytes) + size - this.ctx.policy.maxRelayBytes
  }

  /**
   * Evicts envelopes until `incoming` fits under the store's byte cap:
   * expired ones first, then low, then the oldest normal, critical last, and
   * never one of higher priority than the incoming envelope.
   */
  private makeRoom(incoming: EnvelopeHeader, cycle: Cycle, out: EngineAction[]): Later<boolean> {
    const { store } = this.ctx
    const excess = (): number => this.excess(cycle.relayBytes(), cycle.outboxBytes(), incoming.size)
    if (excess() <= 0) return true
    const evict = (summary: EnvelopeSummary, why: string): void => {
      cycle.deleteEnvelope(summary)
      if (summary.origin === 'local') this.outbox.forget(summary.header.id)
      this.ctx.tally.drop(out, 'evicted', why, { id: summary.header.id })
      this.dropped.evicted(summary.header)
    }
    const expired = walk(store.expiredEnvelopes(this.ctx.clock.now()), (summary) => {
      if (!this.buffer.holds(summary.origin) || !cycle.stillHeld(summary.header.id)) return false
      evict(summary, 'expired, to make room')
      return excess() <= 0
    })
    return then(expired, (made) => {
      if (made) return true
      const incomingRank = PRIORITY_RANK[incoming.priority]
      let outranked = false
      const evicted = walk(store.summaries(this.buffer.evictionOrder), (page) => {
        for (const summary of page) {
          outranked = PRIORITY_RANK[summary.header.priority] < incomingRank
          if (outranked) return true
          if (!cycle.stillHeld(summary.header.id)) continue
          evict(summary, `to make room for a ${incoming.priority} envelope`)
          if (excess() <= 0) return true
        }
        return false
      })
      return then(evicted, (stopped) => stopped && !outranked)
    })
  }
}
