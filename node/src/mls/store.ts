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
  private readonly pendingAdds
  private readonly firsts
  private readonly requests
  private readonly usedKeyPackages
  /** Orders first messages queued within the same millisecond. */
  private firstCount = 0
  /** Epochs of the kept messages, per group: a group with none due costs no read. */
  private readonly pendingEpochs = new Map<string, bigint[]>()

  constructor(private readonly path: string) {
    this.db = new ClassicLevel<string, Bytes>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    const level = (name: string) =>
      this.db.sublevel<string, Bytes>(name, { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.states = level('state')
    this.metas = level('meta')
    this.keyPackages = level('key-package')
    this.pending = level('pending')
    this.pendingAdds = level('pending-add')
    this.firsts = level('first-message')
    this.requests = level('key-package-request')
    this.usedKeyPackages = level('used-key-package')
  }

  async open(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: 0o700 })
    await chmod(this.path, 0o700)
    await this.db.open()
    for await (const key of this.pending.keys()) {
      const [groupId = '', epoch = '0'] = key.split('!')
      this.pendingEpochs.set(groupId, [...(this.pendingEpochs.get(groupId) ?? []), BigInt(epoch)])
    }
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

  async putPending(groupId: string, pending: PendingMessage): Promise<void> {
    const key = `${groupId}!${pad(pending.epoch)}!${pending.envelopeId}`
    const messages = MlsPayload.encode({ messages: pending.messages })
    const value = new Uint8Array(messages.length + 32)
    value.set(Buffer.from(pending.envelopeId, 'hex'))
    value.set(messages, 32)
    await this.db.batch([{ type: 'put', sublevel: this.pending, key, value }], { sync: true })
    this.pendingEpochs.set(groupId, [...(this.pendingEpochs.get(groupId) ?? []), pending.epoch])
  }

  /** Messages waiting for `epoch` of the group (or an earlier one), oldest epoch first. */
  async takePending(groupId: string, epoch: bigint): Promise<PendingMessage[]> {
    const epochs = this.pendingEpochs.get(groupId) ?? []
    if (!epochs.some((kept) => kept <= epoch)) return []
    this.pendingEpochs.set(
      groupId,
      epochs.filter((kept) => kept > epoch)
    )
    const found: PendingMessage[] = []
    const keys: string[] = []
    for await (const [key, value] of this.pending.iterator({
      gte: `${groupId}!`,
      lte: `${groupId}!${pad(epoch)}!\uffff`
    })) {
      keys.push(key)
      found.push({
        envelopeId: Buffer.from(value.subarray(0, 32)).toString('hex'),
        epoch: BigInt(key.split('!')[1] ?? '0'),
        messages: MlsPayload.decode(value.subarray(32)).messages
      })
    }
    if (keys.length > 0) {
      await this.db.batch(
        keys.map((key) => ({ type: 'del' as const, sublevel: this.pending, key })),
        { sync: true }
      )
    }
    return found
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
