import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { tableHandlers } from '../api/methods.ts'
import type { ControlHandlers } from '../api/server.ts'
import type { IdResult, PeerResult, StatusResult } from '../api/methods.ts'
import { logger, LogSummary } from '../log/index.ts'
import type { NodeConfig } from '../config/index.ts'
import { KeyPackageDirectory } from '../directory/index.ts'
import { encodeAddress, loadIdentities } from '../identity/index.ts'
import type { Identities } from '../identity/index.ts'
import { createStrategy, MeshEngine, strategySpec } from '../mesh/index.ts'
import type { EngineAction } from '../mesh/index.ts'
import { MlsService } from '../mls/index.ts'
import type { Outgoing } from '../mls/index.ts'
import { LevelStore } from '../storage/index.ts'
import {
  ConnectionSlots,
  createMeshLibp2p,
  Discovery,
  MeshService,
  PeerExchange,
  PeerScores
} from '../transport/index.ts'
import type { ConnectionSlotsStats, MeshLibp2p, Misbehaviour } from '../transport/index.ts'
import { detectAllocator } from './allocator.ts'
import type { Allocator } from './allocator.ts'
import { systemClock } from './clock.ts'
import { Conversations } from './conversations.ts'
import { secureDataFolder } from './data-folder.ts'
import { DataFolderLock } from './data-lock.ts'
import { DaemonStoppedError } from './errors.ts'
import { controlHandlers } from './handlers.ts'
import type { ControlParts } from './handlers.ts'
import { LocalUser } from './local-user.ts'
import { Outbox } from './outbox.ts'

const log = logger('qpq:daemon')

/** Expired envelopes and receipts deleted per sweep cycle, so a sweep never holds the engine long. */
const SWEEP_BATCH = 1000

/** Envelopes for this node's user may have been tagged up to 30 days ago: the longest TTL a sender may set. */
const ACCEPT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000

export interface DaemonInit {
  dataDir: string
  config: NodeConfig
}

/** Counters of what the daemon did since it started. */
export interface DaemonStats {
  delivered: number
  receipts: number
}

/** What the daemon did to keep hostile peers in check, since it started. */
export interface GuardStats extends ConnectionSlotsStats {
  /** Peers refused now for misbehaving. */
  bannedNow: number
  /** Peers banned since start. */
  bansTotal: number
  /** Times a peer's frames were left unread because it did not read what it was sent. */
  readsPaused: number
}

/**
 * One running qpq-node: store, engine, libp2p and discovery, wired together. It composes the narrow parts
 * (outbox, conversations, status, inbox, peers) that the control methods get one by one (`controlHandlers`).
 */
export class Daemon {
  readonly dataDir: string
  readonly config: NodeConfig
  readonly stats: DaemonStats = { delivered: 0, receipts: 0 }
  /** This node's outbox: queues, lists, flushes and discards its user's envelopes. */
  readonly outbox: Outbox
  /** Texts to people and groups over MLS, and the key-package exchange. */
  readonly conversations: Conversations
  private readonly store: LevelStore
  private identities: Identities | undefined
  private node: MeshLibp2p | undefined
  private mesh: MeshService | undefined
  private discovery: Discovery | undefined
  private peerExchange: PeerExchange | undefined
  private directory: KeyPackageDirectory | undefined
  private sweepTimer: NodeJS.Timeout | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private engine: MeshEngine | undefined
  private slots: ConnectionSlots | undefined
  private scores: PeerScores | undefined
  private mls: MlsService | undefined
  private malloc: Allocator | undefined
  private lock: DataFolderLock | undefined
  private readonly droppedLines: LogSummary

  constructor(init: DaemonInit) {
    this.dataDir = init.dataDir
    this.config = init.config
    this.store = new LevelStore(join(init.dataDir, 'store'))
    this.outbox = new Outbox({
      store: this.store,
      engine: () => this.running().engine,
      dispatch: (event) => this.running().mesh.dispatch(event),
      hopLimit: init.config.envelope.hopLimit
    })
    this.conversations = new Conversations({
      mls: () => this.mlsService,
      directory: () => this.keyPackageDirectory,
      user: () => this.user,
      outbox: this.outbox,
      envelope: init.config.envelope,
      sealedFirstMessage: init.config.mls.sealedFirstMessage
    })
    const interval = init.config.log.summaryInterval
    this.droppedLines = new LogSummary({
      intervalMs: interval,
      summarise: (peer, reason, count) => {
        const from = peer === undefined ? [] : [peer]
        log.error(
          `dropped %d more envelopes${from.length > 0 ? ' from %p' : ''}: %s (last %d s)`,
          count,
          ...from,
          reason,
          interval / 1000
        )
      }
    })
  }

  /**
   * Starts everything; throws `DataFolderPermissionError` for a data folder others can read,
   * `DataFolderLockedError` while another daemon runs on the data folder and `ListenError` for a listen
   * address that cannot be listened on. After a failure, `stop()` releases what was taken.
   */
  async start(): Promise<void> {
    await secureDataFolder(this.dataDir, { fixPermissions: false })
    this.lock = await DataFolderLock.acquire(this.dataDir)
    this.identities = await loadIdentities(this.dataDir)
    this.malloc = await detectAllocator()
    await this.store.open()
    this.mls = await MlsService.open(join(this.dataDir, 'mls'), this.identities.user, {
      suite: this.config.mls.ciphersuite,
      maxPayloadBytes: this.config.envelope.maxPayloadBytes,
      limits: this.config.mls
    })
    const engine = new MeshEngine({
      store: this.store,
      clock: systemClock,
      local: new LocalUser(
        this.identities.user,
        systemClock,
        this.mls,
        this.conversations.keyPackageExchange(),
        (outgoing) => {
          this.sendFollowUp(outgoing)
        },
        ACCEPT_WINDOW_MS
      ),
      policy: {
        maxPayloadBytes: this.config.envelope.maxPayloadBytes,
        maxTtl: ACCEPT_WINDOW_MS,
        maxRelayBytes: this.config.relay.maxStoreBytes,
        maxRelayBytesPerPeer: this.config.relay.maxBytesPerPeer,
        maxRelayBytesPerRecipient: this.config.relay.maxBytesPerRecipient,
        staleLowAfter: this.config.outbox.staleLowAfter,
        retryBase: this.config.outbox.retryBase,
        retryCap: this.config.outbox.retryCap,
        maxRefusals: this.config.outbox.maxRefusals,
        maxWantedPerPeer: this.config.relay.maxWantedPerPeer,
        maxUnacknowledgedPerPeer: this.config.relay.maxUnacknowledgedPerPeer,
        maxUnacknowledgedBytesPerPeer: this.config.relay.maxUnacknowledgedBytesPerPeer,
        maxReceiptHintsPerPeer: this.config.relay.maxReceiptHintsPerPeer,
        maxReceiptHints: this.config.relay.maxReceiptHints,
        maxReceipts: this.config.relay.maxReceipts
      },
      strategy: createStrategy(
        strategySpec(this.config.relay.strategy, { copies: this.config.relay.sprayCopies }),
        logger('qpq:mesh:prophet')
      )
    })
    this.engine = engine
    const { network } = this.config
    const scores = new PeerScores({
      clock: systemClock,
      threshold: network.banThreshold,
      banDuration: network.banDuration,
      onBan: (peer, reason) => {
        this.ban(peer, reason)
      }
    })
    this.scores = scores
    this.node = await createMeshLibp2p({
      privateKey: this.identities.nodeKey,
      listen: network.listen,
      mdns: network.mdns,
      mdnsInterval: network.mdnsInterval,
      maxConnections: network.maxConnections,
      inboundUpgradeTimeout: network.silentTimeout,
      connectionGater: scores.gater()
    })
    const slots = new ConnectionSlots({
      libp2p: this.node,
      maxConnections: network.maxConnections,
      silentTimeout: network.silentTimeout
    })
    this.slots = slots
    slots.start()
    this.mesh = new MeshService({
      libp2p: this.node,
      engine,
      limits: {
        maxQueuedBytes: network.maxQueuedBytesPerPeer,
        maxFrameBytesInFlight: network.maxFrameBytesInFlight
      },
      onAction: (action) => {
        this.onAction(action)
      },
      onFault: (peer, fault) => {
        scores.penalise(peer, fault)
      },
      onUseful: (peer) => {
        slots.markUseful(peer)
      },
      logSummaryInterval: this.config.log.summaryInterval
    })
    await this.mesh.start()
    if (this.config.directory.enabled) {
      const { mls } = this
      this.directory = new KeyPackageDirectory(
        { libp2p: this.node },
        {
          path: join(this.dataDir, 'directory'),
          identity: this.identities.user.publicKey,
          own: () => mls.announcedKeyPackages(),
          keep: (identity) => mls.inConversationWith(identity),
          maxIdentities: this.config.directory.maxIdentities,
          pullInterval: this.config.directory.pullInterval
        }
      )
      await this.directory.start()
    }
    this.discovery = new Discovery({
      libp2p: this.node,
      bootstrap: network.bootstrap,
      maxConnections: network.maxConnections
    })
    this.discovery.start()
    if (network.peerExchange) {
      this.peerExchange = new PeerExchange({
        libp2p: this.node,
        interval: network.peerExchangeInterval,
        maxConnections: network.maxConnections
      })
      this.peerExchange.start()
    }
    this.sweepTimer = setInterval(() => {
      this.sweep()
    }, this.config.relay.sweepInterval)
    log('node %p listening on %a', this.node.peerId, this.multiaddrs().join(' '))
    // A request may not have reached the outbox before a crash: ask again for whom first messages wait.
    await this.conversations.requestWaitingKeyPackages()
    this.sendFollowUp(await this.mls.resume(systemClock.now()))
  }

  /** Queues what reading group messages made the MLS layer send (a commit of proposals, re-proposals). */
  private sendFollowUp(outgoing: Outgoing[]): void {
    if (outgoing.length === 0) return
    this.conversations.submitMls(outgoing).catch((err: unknown) => {
      log.error('could not queue what a group message called for: %s', (err as Error).message)
    })
  }

  /** Stops accepting work, lets pending writes finish, and closes everything; safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer)
    this.sweepTimer = undefined
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.discovery?.stop()
    this.peerExchange?.stop()
    this.peerExchange = undefined
    this.slots?.stop()
    this.slots = undefined
    await this.mesh?.stop()
    this.droppedLines.flush()
    await this.directory?.stop()
    this.directory = undefined
    await this.node?.stop()
    this.mesh = undefined
    this.node = undefined
    await this.store.close()
    await this.mls?.close()
    this.mls = undefined
    await this.lock?.release()
    this.lock = undefined
  }

  get user(): Identities['user'] {
    return this.running().identities.user
  }

  get meshService(): MeshService {
    return this.running().mesh
  }

  get libp2p(): MeshLibp2p {
    return this.running().node
  }

  get meshStore(): LevelStore {
    return this.store
  }

  private get mlsService(): MlsService {
    const { mls } = this
    if (mls === undefined) throw new DaemonStoppedError()
    return mls
  }

  /** The key-package directory; `undefined` when `directory.enabled` is off. */
  get keyPackageDirectory(): KeyPackageDirectory | undefined {
    this.running()
    return this.directory
  }

  get guardStats(): GuardStats {
    const { slots, scores, mesh } = this
    if (slots === undefined || scores === undefined || mesh === undefined) throw new DaemonStoppedError()
    return {
      ...slots.stats,
      bannedNow: scores.bannedNow(),
      bansTotal: scores.bansTotal,
      readsPaused: mesh.stats.readsPaused
    }
  }

  get meshEngine(): MeshEngine {
    return this.running().engine
  }

  get allocator(): Allocator {
    return this.running().malloc
  }

  /** The control socket's handlers, each given only the parts of this daemon it needs. */
  controlHandlers(): ControlHandlers {
    return tableHandlers(controlHandlers(this.controlParts()))
  }

  private controlParts(): ControlParts {
    return {
      node: { id: () => this.id() },
      status: { status: () => this.status() },
      peers: { peers: () => this.peers() },
      inbox: { inbox: (after) => this.store.inbox(after) },
      outbox: this.outbox,
      firstMessages: this.conversations,
      envelopeTtl: this.config.envelope.ttl,
      direct: this.conversations,
      groups: this.conversations
    }
  }

  private id(): IdResult {
    return {
      address: encodeAddress(this.user.publicKey),
      peerId: this.libp2p.peerId.toString(),
      multiaddrs: this.multiaddrs()
    }
  }

  private peers(): PeerResult[] {
    const { node, mesh } = this.running()
    const contacts = new Set(mesh.contacts())
    return node.getPeers().map((peerId) => ({
      peerId: peerId.toString(),
      addresses: node.getConnections(peerId).map((connection) => connection.remoteAddr.toString()),
      mesh: contacts.has(peerId.toString())
    }))
  }

  private status(): StatusResult {
    const { identities, node, mesh, engine, malloc } = this.running()
    const counts = this.store.counts()
    const { dropped } = engine.stats
    const directory = this.directory
    return {
      address: encodeAddress(identities.user.publicKey),
      peerId: node.peerId.toString(),
      connectedPeers: node.getPeers().length,
      meshContacts: mesh.contacts().length,
      outbox: counts.outbox,
      relay: counts.relay,
      relayBytes: counts.relayBytes,
      receipts: counts.receipts,
      engineHeld: engine.held(),
      inbox: counts.inbox,
      delivered: this.stats.delivered,
      confirmed: this.stats.receipts,
      dropped: Object.values(dropped).reduce((sum, count) => sum + count, 0),
      droppedByReason: { ...dropped },
      refusedByPeer: { ...engine.stats.refusedByPeer },
      malformedFrames: mesh.stats.malformedFrames,
      failed: counts.failed,
      failedByReason: { ...engine.stats.failed },
      ...this.guardStats,
      residentBytes: process.memoryUsage.rss(),
      allocator: malloc,
      mls: this.mlsService.stats,
      ...(directory === undefined
        ? {}
        : { directory: { ...directory.counts(), evicted: directory.stats.evicted } })
    }
  }

  multiaddrs(): string[] {
    return this.running()
      .node.getMultiaddrs()
      .map((address) => address.toString())
  }

  private running(): {
    identities: Identities
    node: MeshLibp2p
    mesh: MeshService
    engine: MeshEngine
    malloc: Allocator
  } {
    const { identities, node, mesh, engine, malloc } = this
    if (
      identities === undefined ||
      node === undefined ||
      mesh === undefined ||
      engine === undefined ||
      malloc === undefined
    ) {
      throw new DaemonStoppedError()
    }
    return { identities, node, mesh, engine, malloc }
  }

  /** Deletes expired envelopes and receipts a batch at a time, yielding to other work between batches. */
  private sweep(): void {
    this.mesh?.dispatch({ kind: 'sweep', limit: SWEEP_BATCH }).then(
      (actions) => {
        const more = actions.some(
          (action) => action.kind === 'swept' && Math.max(action.envelopes, action.receipts) >= SWEEP_BATCH
        )
        if (more) {
          setImmediate(() => {
            this.sweep()
          })
        }
      },
      (err: unknown) => {
        log.error('sweep failed: %e', err)
      }
    )
  }

  /** Disconnects a peer whose misbehaviour reached the ban threshold; the gater refuses it meanwhile. */
  private ban(peer: string, reason: Misbehaviour): void {
    log('banned %p for %d ms, last for: %s', peer, this.config.network.banDuration, reason)
    this.node?.hangUp(peerIdFromString(peer)).catch((err: unknown) => {
      log.error('could not disconnect banned peer %p: %e', peer, err)
    })
  }

  private onAction(action: EngineAction): void {
    switch (action.kind) {
      case 'delivered':
        this.stats.delivered++
        log.trace('delivered envelope %x to the inbox', action.id)
        return
      case 'receipt':
        this.stats.receipts++
        log.trace('envelope %x reached its recipient', action.id)
        return
      case 'handed-over':
        log.trace('envelope %x handed on with its last copy', action.id)
        return
      case 'dropped': {
        if (action.peer !== undefined) this.scores?.penalise(action.peer, action.reason)
        if (!this.droppedLines.first(action.peer, action.reason)) return
        const { id, peer } = action
        const format = `dropped ${id === undefined ? 'an envelope' : 'envelope %x'}${peer === undefined ? '' : ' from %p'}`
        log.error(
          `${format}: %s (%s)`,
          ...[id, peer].filter((part) => part !== undefined),
          action.reason,
          action.detail
        )
        return
      }
      case 'failed': {
        const { failed } = action
        log.error(
          'message %x to %x failed: %s (%s)',
          failed.id,
          failed.recipient,
          failed.reason,
          failed.detail
        )
        return
      }
      case 'timer':
        clearTimeout(this.retryTimer)
        this.retryTimer = setTimeout(
          () => {
            this.mesh?.dispatch({ kind: 'retry' }).catch((err: unknown) => {
              log.error('retry failed: %e', err)
            })
          },
          Math.max(0, action.at - systemClock.now())
        )
        return
      case 'swept':
        if (action.envelopes + action.receipts > 0) {
          log('swept %d expired envelopes and %d receipts', action.envelopes, action.receipts)
        }
        return
      case 'send':
        return
    }
  }
}
