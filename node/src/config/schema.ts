import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
// The file, not transport's index: validating a config must not load libp2p and QUIC (every CLI command does it).
import { isListenable, LISTENABLE_FORMS } from '../transport/listen-addresses.ts'
import { DEFAULT_MAX_IDENTITIES, DEFAULT_PULL_INTERVAL_MS } from '../directory/constants.ts'
import { DEFAULT_MLS_LIMITS } from '../mls/limits.ts'
import { STRATEGY_NAMES } from '../mesh/strategies.ts'
import {
  DAY_MS,
  MAX_HOP_LIMIT,
  MAX_PAYLOAD_BYTES,
  MAX_REFUSALS,
  MAX_TIMER_MS,
  MAX_DIRECTORY_IDENTITIES,
  MAX_TTL_MS,
  MIB,
  MIN_DIRECTORY_PULL_INTERVAL_MS,
  MIN_HOP_LIMIT,
  MIN_MDNS_INTERVAL_MS,
  MIN_PAYLOAD_BYTES,
  MIN_PEER_BUFFER_BYTES,
  MIN_PEER_EXCHANGE_INTERVAL_MS,
  MIN_SILENT_TIMEOUT_MS,
  MIN_SWEEP_INTERVAL_MS,
  MIN_TTL_MS,
  SECOND_MS
} from './constants.ts'

/** How a rejected value is shown in a message: strings quoted, tables and arrays by their kind. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a date'
  if (typeof value === 'object' && value !== null) return 'a table'
  return String(value)
}

/** A message for any rejection of a value, ending with the value itself. */
function rejected(expectation: string): (issue: { readonly input?: unknown }) => string {
  return (issue) => `${expectation}, got ${show(issue.input)}`
}

/** An integer in `[min, max]` (`max` defaults to the largest safe integer); `unit` is shown in messages. */
function integer(min: number, max?: number, unit = '') {
  const suffix = unit === '' ? '' : ` ${unit}`
  const range = max === undefined ? `of at least ${min}${suffix}` : `between ${min} and ${max}${suffix}`
  const error = rejected(`must be an integer ${range}`)
  const schema = z.int({ error }).min(min, { error })
  return max === undefined ? schema : schema.max(max, { error })
}

/** Why `value` is not a multiaddr, or `undefined` when it is one. */
function multiaddrProblem(value: string): string | undefined {
  if (value === '') return 'it is empty'
  try {
    multiaddr(value)
    return undefined
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

const multiaddrString = z
  .string({ error: rejected('must be a multiaddr string') })
  .superRefine((value, ctx) => {
    const problem = multiaddrProblem(value)
    if (problem !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is not a valid multiaddr: ${problem}`
      })
    }
  })

const multiaddrList = z.array(multiaddrString, { error: rejected('must be an array of multiaddr strings') })

/** A multiaddr one of the daemon's transports listens on: a WebSocket or draft-29 QUIC address is refused here. */
const listenAddress = multiaddrString.superRefine((value, ctx) => {
  if (multiaddrProblem(value) === undefined && !isListenable(multiaddr(value))) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is no address qpq-node listens on: use ${LISTENABLE_FORMS}`
    })
  }
})

const listenList = z.array(listenAddress, { error: rejected('must be an array of multiaddr strings') })

const boolean = z.boolean({ error: rejected('must be true or false') })

const string = z.string({ error: rejected('must be a string') })

/** A configuration section: a table that accepts only its own keys. */
function section<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.strictObject(shape, { error: rejected('must be a table') })
}

/**
 * MLS ciphersuites new groups may use: Ed25519 signatures only, since a member's credential is its Ed25519
 * identity key. Suite 3 swaps AES-128-GCM for ChaCha20-Poly1305; X-Wing (ML-KEM-768 with X25519) is the
 * post-quantum one.
 */
export const MLS_CIPHERSUITES = [
  'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
  'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519',
  'MLS_256_XWING_AES256GCM_SHA512_Ed25519'
] as const

/** Verbosity of the daemon's log, most severe first. */
const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const

/** Most copies spray and wait may start with. */
const MAX_SPRAY_COPIES = 1024

/**
 * The daemon's configuration, in its TypeScript spelling (`network.mdnsInterval`). Files and environment
 * variables spell the same keys in snake case (`mdns_interval`, `QPQ_NETWORK_MDNS_INTERVAL`); `./keys.ts`
 * maps between the two. Every option is required here: {@link defaultConfig} supplies the defaults.
 */
export const nodeConfigSchema = z.strictObject(
  {
    /** This node. */
    node: section({
      /**
       * A human-readable name for this node, shown in logs and status output. The empty string means none.
       * @default ''
       */
      name: string
    }),
    /** Transports, listening and peer discovery. */
    network: section({
      /**
       * Multiaddrs to listen on. Port 0 picks a free port at start. An empty list makes a node that only dials out.
       * A `/memory/<name>` address adds the in-process memory transport (daemons side by side in one test).
       * @default ['/ip4/0.0.0.0/udp/0/quic-v1', '/ip4/0.0.0.0/tcp/0']
       */
      listen: listenList,
      /**
       * Multiaddrs of peers to dial at start and keep in contact with, usually ending in `/p2p/<peer id>`.
       * @default []
       */
      bootstrap: multiaddrList,
      /**
       * Whether to find and announce peers on the local network with mDNS.
       * @default true
       */
      mdns: boolean,
      /**
       * Interval between mDNS queries, in milliseconds.
       * @default 10000
       */
      mdnsInterval: integer(MIN_MDNS_INTERVAL_MS, MAX_TIMER_MS, 'ms'),
      /**
       * Most open connections to peers at once.
       * @default 64
       */
      maxConnections: integer(1),
      /**
       * Whether to announce this node's addresses to peers over gossipsub, and dial peers that others announce.
       * @default true
       */
      peerExchange: boolean,
      /**
       * Interval between this node's peer announcements, in milliseconds.
       * @default 30000
       */
      peerExchangeInterval: integer(MIN_PEER_EXCHANGE_INTERVAL_MS, MAX_TIMER_MS, 'ms'),
      // What a peer may cost this node, and when it is shown the door.
      /**
       * A connection that opens no mesh stream within this time is closed, in ms; so is one whose handshake
       * takes longer.
       * @default 10000 (10 seconds)
       */
      silentTimeout: integer(MIN_SILENT_TIMEOUT_MS, MAX_TIMER_MS, 'ms'),
      /**
       * Bytes queued for a peer and not yet written, beyond which its frames are not read until it reads.
       * @default 8388608 (8 MiB)
       */
      maxQueuedBytesPerPeer: integer(MIN_PEER_BUFFER_BYTES, undefined, 'bytes'),
      /**
       * Bytes of a peer's frames read and not yet processed, beyond which its frames are not read.
       * @default 8388608 (8 MiB)
       */
      maxFrameBytesInFlight: integer(MIN_PEER_BUFFER_BYTES, undefined, 'bytes'),
      /**
       * Misbehaviour score at which a peer is disconnected and refused (a malformed frame or envelope scores
       * 20, a forged receipt 50, a frame over the size limit 100; scores halve every 10 minutes).
       * @default 100
       */
      banThreshold: integer(1),
      /**
       * How long a banned peer is refused, in ms.
       * @default 3600000 (1 hour)
       */
      banDuration: integer(SECOND_MS, MAX_TIMER_MS, 'ms')
    }),
    /** Envelopes this node sends. */
    envelope: section({
      /**
       * How long an envelope this node sends stays deliverable, in milliseconds; relays drop it afterwards.
       * @default 604800000 (7 days)
       */
      ttl: integer(MIN_TTL_MS, MAX_TTL_MS, 'ms'),
      /**
       * How many times an envelope this node sends may be forwarded.
       * @default 16
       */
      hopLimit: integer(MIN_HOP_LIMIT, MAX_HOP_LIMIT),
      /**
       * Largest envelope payload this node sends or accepts, in bytes.
       * @default 262144 (256 KiB)
       */
      maxPayloadBytes: integer(MIN_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES, 'bytes')
    }),
    /** Storage of other nodes' envelopes. */
    relay: section({
      /**
       * Most bytes of other nodes' envelopes kept in the relay store; beyond it the store evicts.
       * @default 536870912 (512 MiB)
       */
      maxStoreBytes: integer(1, undefined, 'bytes'),
      /**
       * Most bytes of relay envelopes taken from any one peer; beyond it that peer's envelopes are refused.
       * @default 67108864 (64 MiB)
       */
      maxBytesPerPeer: integer(1, undefined, 'bytes'),
      /**
       * Most bytes of relay envelopes kept for any one recipient tag; beyond it they are refused.
       * @default 33554432 (32 MiB)
       */
      maxBytesPerRecipient: integer(1, undefined, 'bytes'),
      /**
       * Interval between sweeps of the relay store for expired envelopes, in milliseconds.
       * @default 60000 (1 minute)
       */
      sweepInterval: integer(MIN_SWEEP_INTERVAL_MS, MAX_TIMER_MS, 'ms'),
      /**
       * How envelopes are forwarded: `epidemic`, `spray-and-wait`, `prophet`, `direct-delivery`,
       * `first-contact`, or `default` (the daemon's choice, epidemic).
       * @default 'default'
       */
      strategy: z.enum(STRATEGY_NAMES, {
        error: rejected(`must be one of ${STRATEGY_NAMES.map(show).join(', ')}`)
      }),
      /**
       * Copies of each of this node's envelopes under `spray-and-wait` (binary spraying).
       * @default 6
       */
      sprayCopies: integer(1, MAX_SPRAY_COPIES),
      /**
       * Ids a peer offered that this node lacks, held per peer until requested; its offers beyond are ignored.
       * @default 16384
       */
      maxWantedPerPeer: integer(1),
      /**
       * Envelopes sent to a peer and not yet acknowledged, at most; its further requests are refused as busy.
       * @default 1024
       */
      maxUnacknowledgedPerPeer: integer(1),
      /**
       * The same in bytes.
       * @default 67108864 (64 MiB)
       */
      maxUnacknowledgedBytesPerPeer: integer(1, undefined, 'bytes'),
      /**
       * Receipts this node cannot verify (it holds no copy of their envelope), kept in memory as hints from
       * one peer; its oldest make way. A hint never stops an envelope.
       * @default 1024
       */
      maxReceiptHintsPerPeer: integer(1),
      /**
       * Receipt hints from all peers together; the oldest make way.
       * @default 16384
       */
      maxReceiptHints: integer(1),
      /**
       * Verified delivery receipts stored; those expiring soonest make way.
       * @default 262144
       */
      maxReceipts: integer(1)
    }),
    /** This node's own envelopes waiting for delivery. */
    outbox: section({
      /**
       * A low-priority envelope (typing, presence, read markers) older than this is dropped, never sent, in ms.
       * @default 60000 (1 minute)
       */
      staleLowAfter: integer(SECOND_MS, MAX_TIMER_MS, 'ms'),
      /**
       * Retry delay after the first failed hand-off, in ms; it doubles with each failure (full jitter).
       * @default 1000
       */
      retryBase: integer(10, MAX_TIMER_MS, 'ms'),
      /**
       * Longest retry delay, in ms.
       * @default 300000 (5 minutes)
       */
      retryCap: integer(10, MAX_TIMER_MS, 'ms'),
      /**
       * Refusals of an envelope for one reason that will not change (the peer's payload limit is smaller: `too
       * large`; the recipient cannot open it: `not acceptable`) after which it fails: it leaves the outbox and
       * is listed by `qpq-node outbox --failed`. A full store or a quota only delays it.
       * @default 5
       */
      maxRefusals: integer(1, MAX_REFUSALS)
    }),
    /** The local control socket the `qpq-node` CLI talks to. */
    control: section({
      /**
       * Path of the control socket. The empty string means `control.sock` in the data folder.
       * @default ''
       */
      socket: string
    }),
    /** End-to-end encryption. */
    mls: section({
      /**
       * Ciphersuite of the groups this node creates and of the key packages it hands out. Existing groups
       * keep theirs; a 1:1 group takes the suite of the key package it starts from.
       * @default 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'
       */
      ciphersuite: z.enum(MLS_CIPHERSUITES, {
        error: rejected(`must be one of ${MLS_CIPHERSUITES.map(show).join(', ')}`)
      }),
      /**
       * A first text to someone whose key package is not known in reach leaves at once, sealed to their
       * identity key (no forward secrecy for that text, as with a last-resort prekey); when false it waits on
       * disk until their key package arrives.
       * @default true
       */
      sealedFirstMessage: boolean,
      /**
       * Bytes of messages kept for a later epoch or a group whose Welcome has not arrived, per group; beyond
       * it the group's oldest go.
       * @default 4194304 (4 MiB)
       */
      maxPendingBytesPerGroup: integer(1, undefined, 'bytes'),
      /**
       * Bytes of such messages in all; beyond it the oldest go.
       * @default 33554432 (32 MiB)
       */
      maxPendingBytes: integer(1, undefined, 'bytes'),
      /**
       * Strangers (in no group of ours) served per hour: 1:1 groups started from their sealed first texts, key
       * packages handed out to their requests. Beyond it their texts reach the inbox unanswered.
       * @default 60
       */
      maxStrangerStartsPerHour: integer(1, undefined),
      /**
       * 1:1 groups started from strangers' first texts that they never answered; beyond it the oldest go.
       * @default 200
       */
      maxUnansweredStrangers: integer(1, undefined)
    }),
    /** The key-package directory: key packages of people anywhere in the mesh, learned from peers and served on. */
    directory: section({
      /**
       * Whether to exchange key packages with peers: make this user's known, keep and serve others'.
       * @default true
       */
      enabled: boolean,
      /**
       * Most identities whose key packages are kept (three each at most); beyond it those seen longest ago go.
       * @default 1000
       */
      maxIdentities: integer(1, MAX_DIRECTORY_IDENTITIES),
      /**
       * Interval between pulls from each peer that stays connected, in milliseconds.
       * @default 300000 (5 minutes)
       */
      pullInterval: integer(MIN_DIRECTORY_PULL_INTERVAL_MS, MAX_TIMER_MS, 'ms')
    }),
    /** Logging. */
    log: section({
      /**
       * Least severe messages logged: `error`, `warn`, `info` or `debug`.
       * @default 'info'
       */
      level: z.enum(LOG_LEVELS, { error: rejected(`must be one of ${LOG_LEVELS.map(show).join(', ')}`) }),
      /**
       * Whether log lines show peer ids, addresses, envelope ids, tags and group ids as short hashes salted
       * afresh at each start (the same value gives the same hash within a run, none across runs), and
       * times to the minute only. A Tor-only configuration will turn it on by default (issue 18).
       * @default false
       */
      redact: boolean,
      /**
       * Interval over which repeated errors of one kind from one peer are summarised: the first is logged,
       * the others counted and logged as one line at the end of the interval, in milliseconds.
       * @default 10000 (10 seconds)
       */
      summaryInterval: integer(SECOND_MS, MAX_TIMER_MS, 'ms')
    })
  },
  { error: rejected('must be a table') }
)

/** The daemon's configuration: every option, validated. See {@link nodeConfigSchema} for each option. */
export type NodeConfig = z.output<typeof nodeConfigSchema>

/** One source's contribution (file, environment or overrides): any section, any key, may be left out. */
export const configLayerSchema = z.strictObject(
  {
    node: nodeConfigSchema.shape.node.partial().optional(),
    network: nodeConfigSchema.shape.network.partial().optional(),
    envelope: nodeConfigSchema.shape.envelope.partial().optional(),
    relay: nodeConfigSchema.shape.relay.partial().optional(),
    outbox: nodeConfigSchema.shape.outbox.partial().optional(),
    control: nodeConfigSchema.shape.control.partial().optional(),
    mls: nodeConfigSchema.shape.mls.partial().optional(),
    directory: nodeConfigSchema.shape.directory.partial().optional(),
    log: nodeConfigSchema.shape.log.partial().optional()
  },
  { error: rejected('must be a table') }
)

/** `T` with every property optional, recursively; arrays are replaced whole, never merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T

const DEFAULTS: NodeConfig = {
  node: { name: '' },
  network: {
    listen: ['/ip4/0.0.0.0/udp/0/quic-v1', '/ip4/0.0.0.0/tcp/0'],
    bootstrap: [],
    mdns: true,
    mdnsInterval: 10 * SECOND_MS,
    maxConnections: 64,
    peerExchange: true,
    peerExchangeInterval: 30 * SECOND_MS,
    silentTimeout: 10 * SECOND_MS,
    maxQueuedBytesPerPeer: 8 * MIB,
    maxFrameBytesInFlight: 8 * MIB,
    banThreshold: 100,
    banDuration: 3600 * SECOND_MS
  },
  envelope: { ttl: 7 * DAY_MS, hopLimit: 16, maxPayloadBytes: 256 * 1024 },
  relay: {
    maxStoreBytes: 512 * MIB,
    maxBytesPerPeer: 64 * MIB,
    maxBytesPerRecipient: 32 * MIB,
    sweepInterval: 60 * SECOND_MS,
    strategy: 'default',
    sprayCopies: 6,
    maxWantedPerPeer: 16_384,
    maxUnacknowledgedPerPeer: 1024,
    maxUnacknowledgedBytesPerPeer: 64 * MIB,
    maxReceiptHintsPerPeer: 1024,
    maxReceiptHints: 16_384,
    maxReceipts: 262_144
  },
  outbox: { staleLowAfter: 60 * SECOND_MS, retryBase: SECOND_MS, retryCap: 300 * SECOND_MS, maxRefusals: 5 },
  control: { socket: '' },
  mls: {
    ciphersuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
    sealedFirstMessage: true,
    ...DEFAULT_MLS_LIMITS
  },
  directory: { enabled: true, maxIdentities: DEFAULT_MAX_IDENTITIES, pullInterval: DEFAULT_PULL_INTERVAL_MS },
  log: { level: 'info', redact: false, summaryInterval: 10 * SECOND_MS }
}

/** A fresh copy of the default configuration, documented in `config/defaults.toml`. */
export function defaultConfig(): NodeConfig {
  return structuredClone(DEFAULTS)
}
