import { hash } from 'node:crypto'
import { andThen as then, walk } from '../queue/index.ts'
import type { EnvelopeSummary, Later, StoredEnvelope, StoredReceipt } from '../queue/index.ts'
import { toHex } from '../wire/index.ts'
import type { EngineContext } from './context.ts'
import type { Cycle } from './cycle.ts'
import type { EngineAction } from './engine-types.ts'
import type { Receipt } from './mesh.pb.ts'
import type { Outbox } from './outbox.ts'
import type { Peers } from './peers.ts'
import type { ReceiptSharing } from './profile.ts'
import { ReceiptHints } from './receipt-hints.ts'

export function receiptMatches(secret: Uint8Array, envelope: EnvelopeSummary): boolean {
  return hash('sha256', secret, 'hex') === envelope.header.receiptHash
}

/**
 * Receipts from and to peers. One learned for an envelope this node holds is verified, deletes the copy and
 * is stored and spread; one it cannot verify is kept in memory as a hint (`ReceiptHints`). Stored receipts
 * are bounded by `maxReceipts`. What peers are told goes through the profile's `ReceiptSharing`.
 */
export class Receipts {
  private readonly hints: ReceiptHints

  constructor(
    private readonly ctx: EngineContext,
    private readonly peers: Peers,
    private readonly outbox: Outbox,
    private readonly sharing: ReceiptSharing
  ) {
    this.hints = new ReceiptHints(ctx.policy.maxReceiptHintsPerPeer, ctx.policy.maxReceiptHints)
  }

  get hintCount(): number {
    return this.hints.size
  }

  hint(id: string): StoredReceipt | undefined {
    return this.hints.get(id)
  }

  deleteHint(id: string): void {
    this.hints.delete(id)
  }

  send(peer: string, receipts: StoredReceipt[], out: EngineAction[]): void {
    this.sharing.send(peer, receipts, out)
  }

  /** Tells every peer in contact but `except` of receipts just learned. */
  spread(receipts: StoredReceipt[], out: EngineAction[], except?: string): void {
    this.sharing.spread(this.peers, receipts, out, except)
  }

  /** Answers offers of envelopes delivered already with their receipts, and of others with their hints. */
  answerOffers(
    peer: string,
    delivered: string[],
    hints: StoredReceipt[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    return this.sharing.answerOffers(peer, delivered, hints, cycle, out)
  }

  receive(peer: string, receipts: Receipt[], cycle: Cycle, out: EngineAction[]): Later<void> {
    const ids = receipts.map((wire) => toHex(wire.envelopeId))
    return then(cycle.envelopes(ids), (envelopes) => {
      this.learn(peer, receipts, ids, envelopes, cycle, out)
    })
  }

  /** Deletes the stored receipts that expire soonest while more than `maxReceipts` are kept. */
  trim(cycle: Cycle, out: EngineAction[]): Later<void> {
    const { maxReceipts } = this.ctx.policy
    if (cycle.receiptCount() <= maxReceipts) return
    let trimmed = 0
    const walked = walk(this.ctx.store.expiredReceipts(Number.MAX_SAFE_INTEGER), (receipt) => {
      if (cycle.receiptCount() <= maxReceipts) return true
      if (cycle.hasReceipt(receipt.id)) {
        cycle.deleteReceipt(receipt)
        trimmed++
      }
      return false
    })
    return then(walked, () => {
      if (trimmed === 0) return
      this.ctx.tally.drop(out, 'receipt quota', `${trimmed} receipts past ${maxReceipts}`, {}, trimmed)
    })
  }

  /**
   * Takes in a peer's receipts. One for an envelope we hold is checked against it: if it matches, our copy
   * goes and the receipt is kept and spread; if not, it is forged (unless its sender marked it a hint).
   * One for an envelope we lack cannot be checked: it is kept only as a hint, which stops nothing.
   */
  private learn(
    peer: string,
    receipts: Receipt[],
    ids: string[],
    envelopes: (StoredEnvelope | undefined)[],
    cycle: Cycle,
    out: EngineAction[]
  ): void {
    const now = this.ctx.clock.now()
    const learned: StoredReceipt[] = []
    let forged = 0
    let evicted = 0
    receipts.forEach((wire, i) => {
      const id = ids[i] ?? ''
      if (cycle.hasReceipt(id)) return
      const receipt: StoredReceipt = {
        id,
        secret: wire.secret,
        expiresAt: Math.min(Number(wire.expiresAt), now + this.ctx.policy.maxTtl)
      }
      const envelope = envelopes[i]
      if (envelope === undefined || !cycle.hasEnvelope(id)) {
        evicted += this.hints.add(peer, receipt)
        return
      }
      if (!receiptMatches(receipt.secret, envelope)) {
        if (!wire.hint) forged++
        return
      }
      this.hints.delete(id)
      cycle.deleteEnvelope(envelope)
      if (envelope.origin === 'local') {
        this.outbox.forget(id)
        out.push({ kind: 'receipt', id })
      }
      cycle.putReceipt(receipt)
      learned.push(receipt)
    })
    const { tally } = this.ctx
    if (forged > 0)
      tally.drop(
        out,
        'forged receipt',
        `${forged} receipts that do not match their envelopes`,
        { peer },
        forged
      )
    if (evicted > 0)
      tally.drop(out, 'receipt quota', `${evicted} receipt hints made way for newer ones`, { peer }, evicted)
    this.spread(learned, out, peer)
  }
}
