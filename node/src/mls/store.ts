import { chmod, mkdir } from 'node:fs/promises'
import { ClassicLevel } from 'classic-level'
import { MlsPayload } from './payload.pb.ts'
import type { Intent } from './proposals.ts'

type Bytes = Uint8Array

/** What this node remembers of a group beside ts-mls's state. */
export interface GroupMeta {
  /** Hex group id. */
  id: string
  name: string
  /** A 1:1 conversation: `send <address>` uses it. */
  direct: boolean
  /** Hex identity key of the one member whose commits the group accepts (its creator). */
  committer: string
  /** This user was removed: the group is kept for `group info` but takes no more messages. */
  removed: boolean
  /** Unix ms when this user started it from a stranger's first text; cleared once they write in it. */
  unanswered?: number
  /** This member's proposals that wait for the committer. */
  proposed?: Intent[]
  /** At the committer: members' proposals (base64 MLSMessages) taken and not committed yet. */
  proposals?: string[]
}

/** A message that arrived before the commit that opens its epoch, with the envelope that carried it. */
export interface PendingMessage {
  envelopeId: string
  /** Epoch of the first message. */
  epoch: bigint
  /** The envelope's MLSMessages, in order. */
  messages: Bytes[]
}

/** Bytes of messages kept for a later epoch or an unknown group, at most: per group, and in all. */
export interface PendingLimits {
  perGroup: number
  total: number
}

/** What keeping a message for its epoch did: whether it is kept, and how many older ones went for room. */
export interface PendingPut {
  kept: boolean
  evicted: number
}

/** A kept message as the quota counts it; `order` is its key in the arrival-order index. */
interface PendingEntry {
  key: string
  order: string
  groupId: string
  epoch: bigint
  bytes: number
}

/** A text to someone with no group yet, kept on disk until their key package arrives. */
export interface FirstMessage {
  /** Hex random id, carried in the message: the inbox id derives from it. */
  messageId: string
  text: string
  sentAt: number
  priority: 'critical' | 'normal' | 'low'
}

/** A stored first message with its key, and whom it is for (hex identity key). */
export interface StoredFirstMessage {
  key: string
  recipient: string
  message: FirstMessage
}

/** Where and when this user put someone's key package into a group. */
export interface UsedKeyPackage {
  /** Hex group id. */
  group: string
  usedAt: number
}

const pad = (epoch: bigint): string => epoch.toString().padStart(20, '0')

/** Bytes inside the JSON records (key packages, proposals in group metadata) are base64. */
export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
export const fromB64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))

/**
 * The MLS layer's own LevelDB (in `<data>/mls`, owner-only): group states encoded with ts-mls's encoder,
 * group metadata, this user's key packages with their private keys, and messages waiting for their epoch.
 */
export class MlsStore {
  private readonly db: ClassicLevel<string, Bytes>
  private readonly states
  private readonly metas
  private readonly keyPackages
  private readonly pending
  /** Arrival order of the kept messages: a padded sequence number to the message's key. */
  private readonly pendingOrder
  private readonly pendingAdds
  private readonly firsts
  private readonly requests
  private readonly usedKeyPackages
  /** Orders first messages queued within the same millisecond. */
  private firstCount = 0
  /** Kept messages, oldest first, all groups together and per group: a group with none due costs no read. */
  private readonly pendingEntries = new Map<string, PendingEntry>()
  private readonly pendingGroups = new Map<string, { bytes: number; entries: Map<string, PendingEntry> }>()
  private pendingTotal = 0
  private pendingSequence = 0

  constructor(private readonly path: string) {
    this.db = new ClassicLevel<string, Bytes>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    const level = (name: string) =>
      this.db.sublevel<string, Bytes>(name, { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.states = level('state')
    this.metas = level('meta')
    this.keyPackages = level('key-package')
    this.pending = level('pending')
    this.pendingOrder = level('pending-order')
    this.pendingAdds = level('pending-add')
    this.firsts = level('first-message')
    this.requests = level('key-package-request')
    this.usedKeyPackages = level('used-key-package')
  }

  async open(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: 0o700 })
    await chmod(this.path, 0o700)
    await this.db.open()
    await this.loadPending()
  }

  /** Reads the kept messages' sizes in arrival order; those kept before the order was recorded come first. */
  private async loadPending(): Promise<void> {
    const orderOf = new Map<string, string>()
    for await (const [order, key] of this.pendingOrder.iterator()) {
      orderOf.set(new TextDecoder().decode(key), order)
      this.pendingSequence = Number(order) + 1
    }
    const entries: PendingEntry[] = []
    const unordered: PendingEntry[] = []
    for await (const [key, value] of this.pending.iterator()) {
      const [groupId = '', epoch = '0'] = key.split('!')
      const entry = { key, order: orderOf.get(key) ?? '', groupId, epoch: BigInt(epoch), bytes: value.length }
      entries.push(entry)
      if (entry.order === '') unordered.push(entry)
    }
    for (const entry of unordered) entry.order = pad(BigInt(this.pendingSequence++))
    if (unordered.length > 0) await this.db.batch(unordered.map((entry) => this.orderPut(entry)))
    entries.sort((a, b) => (a.order < b.order ? -1 : 1))
    for (const entry of entries) this.remember(entry)
  }

  close(): Promise<void> {
    return this.db.close()
  }

  async groups(): Promise<{ meta: GroupMeta; state: Bytes }[]> {
    const groups: { meta: GroupMeta; state: Bytes }[] = []
    for await (const [id, value] of this.metas.iterator()) {
      const state = await this.states.get(id)
      if (state === undefined) continue
      groups.push({ meta: JSON.parse(new TextDecoder().decode(value)) as GroupMeta, state })
    }
    return groups
  }

  /** The two puts that store a group: its metadata and its state, under the same key. */
  private groupPuts(meta: GroupMeta, state: Bytes) {
    return [
      {
        type: 'put' as const,
        sublevel: this.metas,
        key: meta.id,
        value: new TextEncoder().encode(JSON.stringify(meta))
      },
      { type: 'put' as const, sublevel: this.states, key: meta.id, value: state }
    ]
  }

  /** Writes a group's state and metadata together, synced to disk. */
  async putGroup(meta: GroupMeta, state: Bytes): Promise<void> {
    await this.db.batch(this.groupPuts(meta, state), { sync: true })
  }

  /** Forgets a group: its metadata and its state. */
  async deleteGroup(id: string): Promise<void> {
    await this.db.batch(
      [
        { type: 'del', sublevel: this.metas, key: id },
        { type: 'del', sublevel: this.states, key: id }
      ],
      { sync: true }
    )
  }

  async keyPackageRecords(): Promise<[string, Bytes][]> {
    return this.keyPackages.iterator().all()
  }

  async putKeyPackages(records: [string, Bytes][]): Promise<void> {
    await this.db.batch(
      records.map(([ref, value]) => ({ type: 'put' as const, sublevel: this.keyPackages, key: ref, value })),
      { sync: true }
    )
  }

  /** Writes a group's state and forgets the first messages it has just carried, in one synced write. */
  async putGroupTakingFirsts(meta: GroupMeta, state: Bytes, firstKeys: string[]): Promise<void> {
    await this.db.batch(
      [
        ...this.groupPuts(meta, state),
        ...firstKeys.map((key) => ({ type: 'del' as const, sublevel: this.firsts, key }))
      ],
      { sync: true }
    )
  }

  /** Keeps a first message for `recipient` (hex identity key), synced to disk, after those already kept. */
  async putFirst(recipient: string, message: FirstMessage): Promise<void> {
    const key = `${recipient}!${pad(BigInt(message.sentAt))}!${pad(BigInt(this.firstCount++))}`
    await this.db.batch(
      [{ type: 'put', sublevel: this.firsts, key, value: new TextEncoder().encode(JSON.stringify(message)) }],
      { sync: true }
    )
  }

  /** First messages kept for `recipient`, or for everyone, in the order they were queued. */
  async firstMessages(recipient?: string): Promise<StoredFirstMessage[]> {
    const range = recipient === undefined ? {} : { gte: `${recipient}!`, lte: `${recipient}!\uffff` }
    const found: StoredFirstMessage[] = []
    for await (const [key, value] of this.firsts.iterator(range)) {
      found.push({
        key,
        recipient: key.slice(0, key.indexOf('!')),
        message: JSON.parse(new TextDecoder().decode(value)) as FirstMessage
      })
    }
    return found
  }

  async deleteFirsts(keys: string[]): Promise<void> {
    await this.db.batch(
      keys.map((key) => ({ type: 'del' as const, sublevel: this.firsts, key })),
      { sync: true }
    )
  }

  /** Joins a group and rewrites the record of the key package it used (now marked used), in one write. */
  async joinGroup(meta: GroupMeta, state: Bytes, usedKeyPackage: [string, Bytes] | undefined): Promise<void> {
    await this.db.batch(
      [
        ...this.groupPuts(meta, state),
        ...(usedKeyPackage === undefined
          ? []
          : [
              {
                type: 'put' as const,
                sublevel: this.keyPackages,
                key: usedKeyPackage[0],
                value: usedKeyPackage[1]
              }
            ])
      ],
      { sync: true }
    )
  }

  async deleteKeyPackages(refs: string[]): Promise<void> {
    await this.db.batch(
      refs.map((key) => ({ type: 'del' as const, sublevel: this.keyPackages, key })),
      { sync: true }
    )
  }

  /** Remembers key packages of other people this user has put into a group (hex refs). */
  async putUsedKeyPackages(refs: string[], use: UsedKeyPackage): Promise<void> {
    const value = new TextEncoder().encode(JSON.stringify(use))
    await this.db.batch(
      refs.map((key) => ({ type: 'put' as const, sublevel: this.usedKeyPackages, key, value })),
      { sync: true }
    )
  }

  async usedKeyPackage(ref: string): Promise<UsedKeyPackage | undefined> {
    const value = await this.usedKeyPackages.get(ref)
    return value === undefined ? undefined : (JSON.parse(new TextDecoder().decode(value)) as UsedKeyPackage)
  }

  /** Messages kept for their epoch, and their bytes. */
  get pendingCounts(): { messages: number; bytes: number } {
    return { messages: this.pendingEntries.size, bytes: this.pendingTotal }
  }

  /**
   * Keeps a message for its epoch within `limits`, evicting the oldest of its group, then the oldest of all,
   * to make room in the same write; one larger than a limit by itself is not kept.
   */
  async putPending(groupId: string, pending: PendingMessage, limits: PendingLimits): Promise<PendingPut> {
    const key = `${groupId}!${pad(pending.epoch)}!${pending.envelopeId}`
    if (this.pendingEntries.has(key)) return { kept: true, evicted: 0 }
    const messages = MlsPayload.encode({ messages: pending.messages })
    const value = new Uint8Array(messages.length + 32)
    value.set(Buffer.from(pending.envelopeId, 'hex'))
    value.set(messages, 32)
    if (value.length > Math.min(limits.perGroup, limits.total)) return { kept: false, evicted: 0 }
    const entry = {
      key,
      order: pad(BigInt(this.pendingSequence++)),
      groupId,
      epoch: pending.epoch,
      bytes: value.length
    }
    const evicted = new Set<PendingEntry>()
    const evictFrom = (entries: Iterable<PendingEntry>, bytes: number, limit: number): void => {
      let over = bytes + entry.bytes - limit
      for (const old of entries) {
        if (over <= 0) return
        if (evicted.has(old)) continue
        evicted.add(old)
        over -= old.bytes
      }
    }
    const group = this.pendingGroups.get(groupId)
    if (group !== undefined) evictFrom(group.entries.values(), group.bytes, limits.perGroup)
    const evictedBytes = [...evicted].reduce((sum, old) => sum + old.bytes, 0)
    evictFrom(this.pendingEntries.values(), this.pendingTotal - evictedBytes, limits.total)
    await this.db.batch(
      [
        ...[...evicted].flatMap((old) => this.pendingDels(old)),
        { type: 'put' as const, sublevel: this.pending, key, value },
        this.orderPut(entry)
      ],
      { sync: true }
    )
    for (const old of evicted) this.forget(old)
    this.remember(entry)
    return { kept: true, evicted: evicted.size }
  }

  /** Messages waiting for `epoch` of the group (or an earlier one), oldest epoch first. */
  async takePending(groupId: string, epoch: bigint): Promise<PendingMessage[]> {
    const due = [...(this.pendingGroups.get(groupId)?.entries.values() ?? [])].filter(
      (entry) => entry.epoch <= epoch
    )
    if (due.length === 0) return []
    due.sort((a, b) => (a.key < b.key ? -1 : 1))
    const values = await this.pending.getMany(due.map((entry) => entry.key))
    const found: PendingMessage[] = []
    for (const [i, value] of values.entries()) {
      const entry = due[i]
      if (value === undefined || entry === undefined) continue
      found.push({
        envelopeId: Buffer.from(value.subarray(0, 32)).toString('hex'),
        epoch: entry.epoch,
        messages: MlsPayload.decode(value.subarray(32)).messages
      })
    }
    await this.db.batch(
      due.flatMap((entry) => this.pendingDels(entry)),
      { sync: true }
    )
    for (const entry of due) this.forget(entry)
    return found
  }

  private orderPut(entry: PendingEntry) {
    return {
      type: 'put' as const,
      sublevel: this.pendingOrder,
      key: entry.order,
      value: new TextEncoder().encode(entry.key)
    }
  }

  private pendingDels(entry: PendingEntry) {
    return [
      { type: 'del' as const, sublevel: this.pending, key: entry.key },
      { type: 'del' as const, sublevel: this.pendingOrder, key: entry.order }
    ]
  }

  private remember(entry: PendingEntry): void {
    this.pendingEntries.set(entry.key, entry)
    const group = this.pendingGroups.get(entry.groupId) ?? {
      bytes: 0,
      entries: new Map<string, PendingEntry>()
    }
    group.entries.set(entry.key, entry)
    group.bytes += entry.bytes
    this.pendingGroups.set(entry.groupId, group)
    this.pendingTotal += entry.bytes
  }

  private forget(entry: PendingEntry): void {
    this.pendingEntries.delete(entry.key)
    const group = this.pendingGroups.get(entry.groupId)
    if (group?.entries.delete(entry.key) !== true) return
    group.bytes -= entry.bytes
    if (group.entries.size === 0) this.pendingGroups.delete(entry.groupId)
    this.pendingTotal -= entry.bytes
  }

  /** Remembers the envelope that asked `recipient` (hex identity key) for a key package. */
  async putRequest(recipient: string, envelopeId: string): Promise<void> {
    await this.db.batch(
      [{ type: 'put', sublevel: this.requests, key: recipient, value: Buffer.from(envelopeId, 'hex') }],
      { sync: true }
    )
  }

  /** The envelope that last asked `recipient` for a key package, if any was sent. */
  async request(recipient: string): Promise<string | undefined> {
    const id = await this.requests.get(recipient)
    return id === undefined ? undefined : Buffer.from(id).toString('hex')
  }

  /** Remembers that `identity` is to be added to the group once its key package arrives. */
  async putPendingAdd(identity: string, groupId: string): Promise<void> {
    await this.db.batch(
      [{ type: 'put', sublevel: this.pendingAdds, key: `${identity}!${groupId}`, value: new Uint8Array() }],
      {
        sync: true
      }
    )
  }

  /** The groups waiting for `identity`'s key package, forgotten as they are returned. */
  async takePendingAdds(identity: string): Promise<string[]> {
    const keys = await this.pendingAdds.keys({ gte: `${identity}!`, lte: `${identity}!\uffff` }).all()
    if (keys.length > 0) {
      await this.db.batch(
        keys.map((key) => ({ type: 'del' as const, sublevel: this.pendingAdds, key })),
        { sync: true }
      )
    }
    return keys.map((key) => key.slice(identity.length + 1))
  }
}
