import { andThen as then } from '../queue/index.ts'
import type { Later, StoredEnvelope } from '../queue/index.ts'
import { encodeEnvelope, toHex } from '../wire/index.ts'
import type { EnvelopeHeader } from '../wire/index.ts'
import { frameTo } from './actions.ts'
import { FRAME_TARGET_BYTES } from './constants.ts'
import type { EngineContext } from './context.ts'
import type { Cycle } from './cycle.ts'
import type { EngineAction } from './engine-types.ts'
import { meshFrame } from './frames.ts'
import type { MeshFrame } from './mesh.pb.ts'
import type { Outbox } from './outbox.ts'
import type { PeerState, Peers } from './peers.ts'
import type { DroppedEnvelopes } from './profile.ts'

/**
 * Envelopes handed to peers: sent on request, within what a peer may hold unacknowledged, then acknowledged
 * (the copies a strategy handed out are settled) or refused (an outbox envelope backs off or fails).
 */
export class HandOffs {
  constructor(
    private readonly ctx: EngineContext,
    private readonly peers: Peers,
    private readonly outbox: Outbox,
    private readonly dropped: DroppedEnvelopes
  ) {}

  requested(
    peer: string,
    state: PeerState,
    requests: Uint8Array[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    // Only as many as the peer may still have unacknowledged are read; the rest are refused unread.
    const room = Math.max(0, this.ctx.policy.maxUnacknowledgedPerPeer - state.unacknowledged.size)
    const honoured = requests.length > room ? requests.slice(0, room) : requests
    const busy = requests.slice(honoured.length)
    return then(cycle.envelopes(honoured.map(toHex)), (envelopes) => {
      this.sendRequested(peer, state, honoured, envelopes, busy, out)
    })
  }

  acknowledged(state: PeerState, acks: Uint8Array[], cycle: Cycle, out: EngineAction[]): Later<void> {
    const handed: string[] = []
    for (const bytes of acks) {
      const id = toHex(bytes)
      this.peers.answered(state, id)
      this.outbox.copyTaken(id)
      if (state.handedOut.has(id)) handed.push(id)
    }
    if (handed.length > 0) return this.handedOver(state, handed, cycle, out)
  }

  /**
   * A peer refused envelopes (or had none to give): each of ours it refused backs off, and fails once refused
   * `maxRefusals` times for one reason that will not change, unless a peer took a copy of it meanwhile.
   */
  refused(
    peer: string,
    state: PeerState,
    refusals: MeshFrame.Refusal[],
    cycle: Cycle,
    out: EngineAction[]
  ): Later<void> {
    const failing: { id: string; reason: string; count: number }[] = []
    for (const { envelopeId, reason } of refusals) {
      const id = toHex(envelopeId)
      this.peers.requestDone(state, id)
      this.dropped.refused(state, id)
      if (!this.peers.answered(state, id)) continue
      const count = this.outbox.refused(id, peer, reason, out)
      if (count !== undefined) failing.push({ id, reason, count })
    }
    if (failing.length === 0) return
    return then(cycle.envelopes(failing.map(({ id }) => id)), (envelopes) => {
      failing.forEach(({ id, reason, count }, i) => {
        const envelope = envelopes[i]
        if (envelope === undefined || !cycle.stillHeld(id)) return
        this.outbox.fail(envelope, reason, `refused ${count} times as ${reason}, last by ${peer}`, cycle, out)
      })
    })
  }

  /** The contact with a peer ended: what it did not acknowledge backs off. */
  lost(peer: string, state: PeerState, out: EngineAction[]): void {
    for (const id of state.unacknowledged.keys())
      this.outbox.handOffFailed(id, `contact with ${peer} lost before its ack`, out)
  }

  /**
   * Sends the envelopes a peer requested, refusing those no longer held, and as `busy` those past what the
   * peer may hold unacknowledged (`busy`: requests past that count, not read).
   */
  private sendRequested(
    peer: string,
    state: PeerState,
    requests: Uint8Array[],
    envelopes: (StoredEnvelope | undefined)[],
    busy: Uint8Array[],
    out: EngineAction[]
  ): void {
    const { policy, strategy } = this.ctx
    const now = this.ctx.clock.now()
    const encoded: Uint8Array[] = []
    const headers: EnvelopeHeader[] = []
    const refusals: MeshFrame.Refusal[] = []
    envelopes.forEach((envelope, i) => {
      const envelopeId = requests[i] ?? new Uint8Array()
      if (envelope === undefined || envelope.header.expiresAt <= now) {
        refusals.push({ envelopeId, reason: 'gone' })
        return
      }
      const { id, size } = envelope.header
      if (state.unacknowledged.has(id)) return
      if (state.unacknowledgedBytes + size > policy.maxUnacknowledgedBytesPerPeer) {
        busy.push(envelopeId)
        return
      }
      state.unacknowledged.set(id, size)
      state.unacknowledgedBytes += size
      if (envelope.origin === 'local') this.outbox.attempted(id)
      const copies = strategy.handOut?.(envelope, state.view)
      if (copies !== undefined) state.handedOut.set(id, copies)
      encoded.push(encodeEnvelope(envelope.content, Math.max(0, envelope.hopsLeft - 1), copies))
      headers.push(envelope.header)
    })
    if (busy.length > 0) {
      const { maxUnacknowledgedPerPeer: count, maxUnacknowledgedBytesPerPeer: bytes } = policy
      const detail = `${busy.length} requests past ${count} envelopes or ${bytes} bytes unacknowledged`
      this.ctx.tally.drop(out, 'over limit', detail, { peer }, busy.length)
      for (const envelopeId of busy) refusals.push({ envelopeId, reason: 'busy' })
    }
    if (refusals.length > 0) out.push(frameTo(peer, { refusals }))
    let start = 0
    let frameBytes = 0
    encoded.forEach((bytes, i) => {
      frameBytes += bytes.length
      if (frameBytes < FRAME_TARGET_BYTES && i < encoded.length - 1) return
      const frame = meshFrame({ envelopes: encoded.slice(start, i + 1) })
      out.push({ kind: 'send', peer, frame, headers: headers.slice(start, i + 1) })
      start = i + 1
      frameBytes = 0
    })
  }

  /** A peer took copies of envelopes from us: keep what the strategy says is left, or delete the envelope. */
  private handedOver(state: PeerState, ids: string[], cycle: Cycle, out: EngineAction[]): Later<void> {
    const { strategy } = this.ctx
    return then(cycle.envelopes(ids), (envelopes) => {
      envelopes.forEach((envelope, i) => {
        const id = ids[i] ?? ''
        const given = state.handedOut.get(id) ?? 0
        state.handedOut.delete(id)
        if (envelope === undefined || strategy.keep === undefined) return
        const kept = strategy.keep(envelope.copies ?? 1, given)
        if (kept === (envelope.copies ?? 1)) return
        cycle.deleteEnvelope(envelope)
        if (kept > 0) cycle.putEnvelope({ ...envelope, copies: kept })
        else if (envelope.origin === 'local') {
          this.outbox.forget(id)
          out.push({ kind: 'handed-over', id })
        }
      })
    })
  }
}
