import { logger } from '@libp2p/logger'
import type { Libp2p, PeerId, Startable, Stream } from '@libp2p/interface'
import { verifiedKeyPackage } from '../mls/index.ts'
import { KeyPackageBook, keyPackageHash, setDigest } from './book.ts'
import type { KeptKeyPackage } from './book.ts'
import {
  DEFAULT_MAX_IDENTITIES,
  DEFAULT_PULL_INTERVAL_MS,
  EXCHANGE_TIMEOUT_MS,
  KEY_PACKAGE_PROTOCOL,
  KEY_PACKAGES_PER_IDENTITY,
  MAX_STREAMS_PER_CONNECTION
} from './constants.ts'
import { answerPull, pullKeyPackages } from './exchange.ts'

export interface KeyPackageDirectoryComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'register' | 'unregister' | 'dialProtocol'>
}

export interface KeyPackageDirectoryInit {
  /** Folder of the directory's LevelDB (made owner-only). */
  path: string
  /** This node's user's identity key: its key packages come from {@link own}, never from peers. */
  identity: Uint8Array
  /** This node's user's key packages to make known (encoded); read at every answer. */
  own(): Uint8Array[]
  /**
   * Identities kept; beyond it those whose key packages arrived longest ago go.
   * @default DEFAULT_MAX_IDENTITIES
   */
  maxIdentities?: number
  /**
   * Milliseconds between pulls from each peer that stays connected, and between sweeps of expired key packages.
   * @default DEFAULT_PULL_INTERVAL_MS
   */
  pullInterval?: number
  /**
   * Unix milliseconds now.
   * @default Date.now
   */
  now?: () => number
  /**
   * Identities kept before others when the directory is full: those this user is in conversation with.
   * @default none
   */
  keep?(identity: Uint8Array): boolean
  /** Prefix of the log namespace, for several nodes in one process. */
  logPrefix?: string
}

/** What the directory did since it started. */
export interface DirectoryStats {
  /** Key packages taken into the directory. */
  kept: number
  /** Key packages refused: oversize, malformed, or failing verification. */
  rejected: number
  /** Exchanges that failed either way: the stream, a timeout, an answer over its limits. */
  failedExchanges: number
  /** Identities evicted for the identity limit. */
  evicted: number
}

/**
 * The key-package directory: every node keeps verified key packages it learned from its peers and serves
 * them on, so a sender can start a conversation with someone it never met (docs/key-package-directory.md).
 * On every new connection with a peer speaking {@link KEY_PACKAGE_PROTOCOL}, and again every pull interval,
 * it pulls: it sends a summary of what it holds and keeps what the peer answers after verifying it. This
 * node's own key packages are not pushed when they change; the next pull of each peer gets them.
 */
export class KeyPackageDirectory implements Startable {
  readonly stats: DirectoryStats = { kept: 0, rejected: 0, failedExchanges: 0, evicted: 0 }
  private readonly libp2p: KeyPackageDirectoryComponents['libp2p']
  private readonly init: KeyPackageDirectoryInit
  private readonly maxIdentities: number
  private readonly pullInterval: number
  private readonly now: () => number
  private readonly log
  private readonly peers = new Map<string, PeerId>()
  private readonly pulling = new Map<string, Promise<void>>()
  private book: KeyPackageBook | undefined
  private topologyId: string | undefined
  private timer: NodeJS.Timeout | undefined
  private stopping = new AbortController()

  constructor(components: KeyPackageDirectoryComponents, init: KeyPackageDirectoryInit) {
    this.libp2p = components.libp2p
    this.init = init
    this.maxIdentities = init.maxIdentities ?? DEFAULT_MAX_IDENTITIES
    this.pullInterval = init.pullInterval ?? DEFAULT_PULL_INTERVAL_MS
    this.now = init.now ?? Date.now
    this.log = logger(`${init.logPrefix ?? ''}qpq:directory`)
  }

  async start(): Promise<void> {
    this.stopping = new AbortController()
    this.book = await KeyPackageBook.open(
      this.init.path,
      { maxIdentities: this.maxIdentities, perIdentity: KEY_PACKAGES_PER_IDENTITY },
      this.now(),
      (identity) => this.init.keep?.(identity) ?? false
    )
    await this.libp2p.handle(
      KEY_PACKAGE_PROTOCOL,
      (stream) => {
        void this.answer(stream)
      },
      { maxInboundStreams: MAX_STREAMS_PER_CONNECTION, maxOutboundStreams: MAX_STREAMS_PER_CONNECTION }
    )
    this.topologyId = await this.libp2p.register(KEY_PACKAGE_PROTOCOL, {
      onConnect: (peer) => {
        this.peers.set(peer.toString(), peer)
        void this.pull(peer)
      },
      onDisconnect: (peer) => {
        this.peers.delete(peer.toString())
      }
    })
    this.timer = setInterval(() => {
      this.tick()
    }, this.pullInterval)
  }

  /** Stops pulling and answering, waits for pulls under way to end, closes the store; safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    this.stopping.abort()
    if (this.topologyId !== undefined) this.libp2p.unregister(this.topologyId)
    this.topologyId = undefined
    await this.libp2p.unhandle(KEY_PACKAGE_PROTOCOL)
    await Promise.allSettled(this.pulling.values())
    this.peers.clear()
    await this.book?.close()
    this.book = undefined
  }

  /**
   * An encoded, verified, unexpired key package of `identity` from the directory, or `undefined`: the newest
   * not handed out yet, or else the newest (the owner copes with two senders using one).
   */
  lookup(identity: Uint8Array, now: number): Uint8Array | undefined {
    return this.running().lookup(identity, now)
  }

  /** Identities and key packages held. */
  counts(): { identities: number; keyPackages: number } {
    const book = this.running()
    return { identities: book.size, keyPackages: book.keyPackageCount }
  }

  /** Pulls from `peer` now, unless a pull from it is under way; resolves when it ended, well or not. */
  pull(peer: PeerId): Promise<void> {
    const key = peer.toString()
    const under = this.pulling.get(key)
    if (under !== undefined) return under
    const pull = this.pullFrom(peer).finally(() => this.pulling.delete(key))
    this.pulling.set(key, pull)
    return pull
  }

  private async pullFrom(peer: PeerId): Promise<void> {
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)])
    let answer: Uint8Array[]
    try {
      const stream = await this.libp2p.dialProtocol(peer, KEY_PACKAGE_PROTOCOL, { signal })
      answer = await this.exchange(stream, () =>
        pullKeyPackages(stream, this.running().digests(), { signal })
      )
    } catch (err) {
      if (this.stopping.signal.aborted) return
      this.stats.failedExchanges++
      this.log('pull from %p failed: %e', peer, err)
      return
    }
    const kept = await this.verified(answer, peer)
    if (this.book === undefined) return
    const evictedBefore = this.book.evicted
    const added = await this.book.add(kept, this.now())
    this.stats.kept += added
    if (added > 0) this.log('kept %d key packages from %p', added, peer)
    const evicted = this.book.evicted - evictedBefore
    this.stats.evicted += evicted
    if (evicted > 0) this.log('evicted %d identities for the identity limit', evicted)
  }

  /** The key packages of `answer` that verify, are new here and are not this node's user's. */
  private async verified(answer: Uint8Array[], peer: PeerId): Promise<KeptKeyPackage[]> {
    const now = this.now()
    const own = Buffer.from(this.init.identity)
    const kept: KeptKeyPackage[] = []
    let rejected = 0
    for (const keyPackage of answer) {
      if (this.book?.has(keyPackageHash(keyPackage)) !== false) continue
      const verified = await verifiedKeyPackage(keyPackage, now)
      if (verified === undefined) rejected++
      else if (!own.equals(verified.identity))
        kept.push({ identity: verified.identity, keyPackage, notAfter: verified.notAfter })
    }
    if (rejected > 0) {
      this.stats.rejected += rejected
      this.log.error('dropped %d key packages from %p that did not verify', rejected, peer)
    }
    return kept
  }

  private async answer(stream: Stream): Promise<void> {
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)])
    try {
      await this.exchange(stream, () =>
        answerPull(stream, (digests) => this.running().answer(digests, this.ownSet()), { signal })
      )
    } catch (err) {
      if (this.stopping.signal.aborted) return
      this.stats.failedExchanges++
      this.log('answering a pull failed: %e', err)
    }
  }

  private ownSet(): { digest: Uint8Array; keyPackages: Uint8Array[] } {
    const keyPackages = this.init.own()
    return { digest: setDigest(this.init.identity, keyPackages), keyPackages }
  }

  /** Runs one side of an exchange on `stream`, aborting the stream if it fails. */
  private async exchange<T>(stream: Stream, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** Sweeps expired key packages and pulls again from every peer in contact. */
  private tick(): void {
    this.running()
      .sweep(this.now())
      .catch((err: unknown) => {
        this.log.error('sweep failed: %e', err)
      })
    for (const peer of this.peers.values()) void this.pull(peer)
  }

  private running(): KeyPackageBook {
    if (this.book === undefined) throw new Error('the key-package directory is not running')
    return this.book
  }
}
