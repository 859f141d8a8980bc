import { fromHex, toHex } from '../wire/index.ts'
import type { IdDigest } from './id-digest.ts'

/** Envelope ids are SHA-256 hashes. */
const ID_BYTES = 32
const EMPTY = 0
const USED = 1
const DELETED = 2
const MIN_SLOTS = 64

/**
 * The ids a store holds, looked up by hex or straight from an id's bytes as
 * they come off the wire: offers name every id a peer holds, and a contact
 * of two nodes that share thousands of envelopes looks up each one. The
 * bytes live in one open-addressing table (linear probing, slots of 32
 * bytes), so a lookup reads one or two cache lines and allocates nothing.
 * Ids of another length (only a faulty peer sends them) are looked up by hex.
 */
export class IdSet {
  private readonly hex = new Set<string>()
  private readonly scratch = Buffer.alloc(ID_BYTES)
  private table = new Uint8Array(MIN_SLOTS * ID_BYTES)
  private slotState = new Uint8Array(MIN_SLOTS)
  private used = 0
  private deleted = 0

  /** `digest`: kept up to date with the 32-byte ids (a store's envelope ids, which its hello carries). */
  constructor(private readonly digest?: IdDigest) {}

  get size(): number {
    return this.hex.size
  }

  has(id: string): boolean {
    return this.hex.has(id)
  }

  hasBytes(id: Uint8Array): boolean {
    return id.length === ID_BYTES ? this.find(id) >= 0 : this.hex.has(toHex(id))
  }

  /** `idBytes`: the id's bytes when the caller has them, saving a conversion. */
  add(id: string, idBytes?: Uint8Array): void {
    if (this.hex.has(id)) return
    this.hex.add(id)
    const bytes = idBytes ?? fromHex(id)
    if (bytes.length !== ID_BYTES) return
    if ((this.used + this.deleted + 1) * 4 > this.slotState.length * 3) this.rebuild()
    this.insert(bytes)
    this.digest?.add(bytes)
    this.digest?.fit(this.used, () => this.tableIds())
  }

  /** `idBytes`: as for `add`. */
  delete(id: string, idBytes?: Uint8Array): void {
    if (!this.hex.delete(id) || id.length !== 2 * ID_BYTES) return
    const bytes = idBytes ?? this.scratch
    if (idBytes === undefined) this.scratch.write(id, 'hex')
    const slot = this.find(bytes)
    if (slot < 0) return
    this.slotState[slot] = DELETED
    this.used--
    this.deleted++
    this.digest?.remove(bytes)
  }

  private find(id: Uint8Array): number {
    const mask = this.slotState.length - 1
    for (let slot = start(id) & mask, probes = 0; probes <= mask; slot = (slot + 1) & mask, probes++) {
      const state = this.slotState[slot]
      if (state === EMPTY) return -1
      if (state === USED && this.holdsAt(slot, id)) return slot
    }
    return -1
  }

  private holdsAt(slot: number, id: Uint8Array): boolean {
    const base = slot * ID_BYTES
    for (let i = 0; i < ID_BYTES; i++) if (this.table[base + i] !== id[i]) return false
    return true
  }

  private insert(id: Uint8Array): void {
    const mask = this.slotState.length - 1
    let slot = start(id) & mask
    while (this.slotState[slot] === USED) slot = (slot + 1) & mask
    if (this.slotState[slot] === DELETED) this.deleted--
    this.slotState[slot] = USED
    this.table.set(id, slot * ID_BYTES)
    this.used++
  }

  private *tableIds(): Iterable<Uint8Array> {
    for (let slot = 0; slot < this.slotState.length; slot++) {
      if (this.slotState[slot] === USED) yield this.table.subarray(slot * ID_BYTES, (slot + 1) * ID_BYTES)
    }
  }

  /** Drops the deleted slots, and grows the table so that it is at most half full (rebuilt at three quarters). */
  private rebuild(): void {
    const { table, slotState } = this
    let slots = MIN_SLOTS
    while (slots < (this.used + 1) * 2) slots *= 2
    this.table = new Uint8Array(slots * ID_BYTES)
    this.slotState = new Uint8Array(slots)
    this.used = 0
    this.deleted = 0
    slotState.forEach((state, slot) => {
      if (state === USED) this.insert(table.subarray(slot * ID_BYTES, (slot + 1) * ID_BYTES))
    })
  }
}

function start(id: Uint8Array): number {
  return ((id[0] ?? 0) | ((id[1] ?? 0) << 8) | ((id[2] ?? 0) << 16) | ((id[3] ?? 0) << 24)) >>> 0
}
