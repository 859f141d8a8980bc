/**
 * A seeded fuzzer of what reads a peer's bytes: the mesh frame, envelope and content readers, the
 * peer-exchange, prophet, directory, sealed and MLS payload messages, and the engine's handling of the frames
 * that decode (with a memory store). Each input either decodes or is refused with the project's typed error;
 * anything else is reported, as is the slowest input. test/fuzz.test.ts runs a bounded count in CI, `npm run
 * fuzz` a longer run (bench/fuzz-run.ts).
 */
import { performance } from 'node:perf_hooks'
import type { Codec } from 'protons-runtime'
import { KeyPackageAnswer, KeyPackageSummary } from '../node/src/directory/index.ts'
import { FirstText, SealedMessage } from '../node/src/e2e/index.ts'
import {
  decodeMeshFrame,
  MeshEngine,
  MeshFrame,
  meshFrame,
  Predictabilities
} from '../node/src/mesh/index.ts'
import { GroupContent, MlsPayload } from '../node/src/mls/payload.pb.ts'
import { IdDigest, MemoryStore } from '../node/src/queue/index.ts'
import { PeerAnnouncement } from '../node/src/transport/index.ts'
import {
  createEnvelopeContent,
  decodeEnvelope,
  encodeEnvelope,
  peerDecoder,
  readHeader,
  WireError
} from '../node/src/wire/index.ts'
import { Random } from '../sim/src/random.ts'

/** One reader of peer bytes and the seeds to mutate for it. */
interface Target {
  name: string
  seeds: Uint8Array[]
  read(bytes: Uint8Array): unknown
  /** Well-formed bytes with random content, for one input in three: reaches past the decoder. */
  generate?: () => Uint8Array
}

export interface FuzzResult {
  inputs: number
  decoded: number
  /** Refusals by target and error code. */
  refused: Map<string, number>
  /** Errors that are not the project's typed errors (or engine failures), the first few. */
  untyped: { target: string; error: string; input: string }[]
  slowest: { target: string; ms: number; bytes: number }
}

export interface FuzzOptions {
  seed: number
  count: number
  /** Hears of progress every so many inputs. */
  onProgress?: (done: number, result: FuzzResult) => void
}

const UNTYPED_KEPT = 10
const PROGRESS_EVERY = 1000
/** Sizes of the runs of nested group starts put in inputs: below, at and far beyond the depth bound. */
const GROUP_RUNS = [8, 17, 1000, 100_000]
const FUZZER = 'fuzzer'

export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const random = new Random(options.seed)
  const bytes = (length: number): Uint8Array => Uint8Array.from({ length }, () => random.int(0, 255))
  const targets = fuzzTargets(random, bytes, await frameEngine())
  const result: FuzzResult = {
    inputs: 0,
    decoded: 0,
    refused: new Map(),
    untyped: [],
    slowest: { target: '', ms: 0, bytes: 0 }
  }
  for (let i = 0; i < options.count; i++) {
    const target = targets[i % targets.length] as Target
    const input =
      target.generate !== undefined && random.int(0, 2) === 0
        ? target.generate()
        : fuzzInput(random, bytes, target.seeds)
    const started = performance.now()
    let outcome: string
    try {
      await target.read(input)
      outcome = 'decoded'
    } catch (err) {
      outcome = typedCode(err) ?? 'untyped'
      if (outcome === 'untyped' && result.untyped.length < UNTYPED_KEPT) {
        result.untyped.push({
          target: target.name,
          error: String(err),
          input: Buffer.from(input.subarray(0, 64)).toString('hex')
        })
      }
    }
    const ms = performance.now() - started
    if (ms > result.slowest.ms) result.slowest = { target: target.name, ms, bytes: input.length }
    result.inputs++
    if (outcome === 'decoded') result.decoded++
    else
      result.refused.set(
        `${target.name} ${outcome}`,
        (result.refused.get(`${target.name} ${outcome}`) ?? 0) + 1
      )
    if (result.inputs % PROGRESS_EVERY === 0) options.onProgress?.(result.inputs, result)
  }
  return result
}

/** The stable code of one of the project's decode errors; undefined for any other error. */
function typedCode(err: unknown): string | undefined {
  return err instanceof WireError ? err.code : undefined
}

function frameEvent(frame: MeshFrame) {
  return { kind: 'frame' as const, peer: FUZZER, frame }
}

/** An engine with a memory store and a fixed clock, in contact with the fuzzer. */
async function frameEngine(): Promise<MeshEngine> {
  const store = new MemoryStore()
  await store.open()
  const engine = new MeshEngine({
    store,
    clock: { now: () => 1_000_000 },
    local: { tags: () => new Set(), accept: () => undefined },
    policy: { maxPayloadBytes: 4096, maxTtl: 86_400_000 },
    random: () => 0.5
  })
  await engine.handle({ kind: 'contact-up', peer: FUZZER })
  return engine
}

/** One or two mutations of a seed (four in five) or of random bytes; one in twenty with a run of nested groups. */
function fuzzInput(random: Random, bytes: (length: number) => Uint8Array, seeds: Uint8Array[]): Uint8Array {
  let input =
    random.int(0, 4) === 0
      ? bytes(random.int(0, 256))
      : (seeds[random.int(0, seeds.length - 1)] as Uint8Array)
  for (let rounds = random.int(0, 3) === 0 ? 2 : 1; rounds > 0; rounds--) input = mutate(random, bytes, input)
  if (random.int(0, 19) === 0) {
    const run = GROUP_RUNS[random.int(0, GROUP_RUNS.length - 1)] as number
    // Start-group keys of field 1 (known to every message) or of field 15 (unknown to all).
    const key = random.int(0, 1) === 0 ? 0x0b : 0x7b
    input = splice(input, random.int(0, input.length), new Uint8Array(run).fill(key))
  }
  return input
}

function mutate(random: Random, bytes: (length: number) => Uint8Array, input: Uint8Array): Uint8Array {
  const at = random.int(0, input.length)
  switch (random.int(0, 6)) {
    case 0: {
      const flipped = input.slice()
      if (at < flipped.length) flipped[at] = (flipped[at] as number) ^ (1 << random.int(0, 7))
      return flipped
    }
    case 1:
      return splice(input, at, bytes(random.int(1, 16)))
    case 2:
      return Uint8Array.from([...input.subarray(0, at), ...input.subarray(at + random.int(1, 16))])
    case 3:
      return input.subarray(0, at)
    case 4:
      return splice(input, at, input.subarray(random.int(0, at), at))
    case 5:
      // A varint of ten bytes or more, or a length far beyond the bytes.
      return splice(input, at, new Uint8Array(random.int(1, 12)).fill(0xff))
    default:
      return splice(input, at, Uint8Array.of((random.int(0, 255) & 0xf8) | random.int(3, 7)))
  }
}

function splice(input: Uint8Array, at: number, inserted: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length + inserted.length)
  out.set(input.subarray(0, at))
  out.set(inserted, at)
  out.set(input.subarray(at), at + inserted.length)
  return out
}

function fuzzTargets(random: Random, bytes: (length: number) => Uint8Array, engine: MeshEngine): Target[] {
  const content = (payload: number): Uint8Array =>
    createEnvelopeContent({
      tag: bytes(16),
      expiresAt: 1_000_000 + 3_600_000,
      priority: 'normal',
      receiptHash: bytes(32),
      payload: bytes(payload)
    }).content
  const contents = [content(0), content(64), content(600)]
  const envelopes = contents.map((bytes, i) => encodeEnvelope(bytes, 3, i === 0 ? undefined : i))
  const frames = [
    meshFrame({ hello: { tags: [bytes(16)], strategy: bytes(8), heldDigest: IdDigest.empty().encode() } }),
    meshFrame({ envelopes }),
    meshFrame({ offers: [bytes(32), bytes(32)], requests: [bytes(32)], acks: [bytes(32)], moreOffers: true }),
    meshFrame({ receipts: [{ envelopeId: bytes(32), secret: bytes(32), expiresAt: 5n, hint: false }] }),
    meshFrame({ refusals: [{ envelopeId: bytes(32), reason: 'too large' }], offersComplete: true })
  ].map((frame) => MeshFrame.encode(frame))
  const some = <T>(make: () => T): T[] => Array.from({ length: random.int(0, 4) }, make)
  const id = (): Uint8Array => bytes(random.int(0, 3) === 0 ? random.int(0, 40) : 32)
  const randomFrame = (): Uint8Array =>
    MeshFrame.encode(
      meshFrame({
        ...(random.int(0, 3) === 0
          ? { hello: { tags: some(() => bytes(16)), heldDigest: bytes(random.int(0, 3) * 4096) } }
          : {}),
        envelopes: some(() => {
          const seed = envelopes[random.int(0, envelopes.length - 1)] as Uint8Array
          return random.int(0, 1) === 0 ? seed : mutate(random, bytes, seed)
        }),
        offers: some(id),
        requests: some(id),
        acks: some(id),
        receipts: some(() => ({
          envelopeId: id(),
          secret: bytes(32),
          expiresAt: BigInt(random.int(0, 2_000_000)),
          hint: random.int(0, 1) === 0
        })),
        refusals: some(() => ({ envelopeId: id(), reason: 'store full' })),
        moreOffers: random.int(0, 1) === 0,
        offersComplete: random.int(0, 1) === 0
      })
    )
  const message = <T>(name: string, codec: { codec: () => Codec<T> }, seeds: Uint8Array[]): Target => {
    const decoder = peerDecoder(name, codec)
    return { name, seeds, read: (input) => decoder.decode(input) }
  }
  return [
    // A frame that decodes goes on to the engine, which must take it without failing.
    {
      name: 'MeshFrame',
      seeds: frames,
      read: (input) => engine.handle(frameEvent(decodeMeshFrame(input))),
      generate: randomFrame
    },
    { name: 'Envelope', seeds: envelopes, read: (input) => decodeEnvelope(input, { maxPayloadBytes: 4096 }) },
    {
      name: 'EnvelopeContent',
      seeds: contents,
      read: (input) => readHeader(input, { maxPayloadBytes: 4096 })
    },
    message('PeerAnnouncement', PeerAnnouncement, [
      PeerAnnouncement.encode({ multiaddrs: [bytes(8), bytes(40)] })
    ]),
    message('Predictabilities', Predictabilities, [
      Predictabilities.encode({
        entries: [
          { tag: bytes(16), predictability: 0.5 },
          { tag: bytes(16), predictability: 1 }
        ]
      })
    ]),
    message('KeyPackageSummary', KeyPackageSummary, [
      KeyPackageSummary.encode({ digests: [bytes(32), bytes(32)] })
    ]),
    message('KeyPackageAnswer', KeyPackageAnswer, [KeyPackageAnswer.encode({ keyPackages: [bytes(300)] })]),
    message('SealedMessage', SealedMessage, [
      SealedMessage.encode({
        sentAt: 7n,
        receiptSecret: bytes(32),
        body: bytes(100),
        kind: SealedMessage.Kind.FIRST_TEXT
      })
    ]),
    message('FirstText', FirstText, [
      FirstText.encode({ text: 'hello', messageId: bytes(16), keyPackage: bytes(300) })
    ]),
    message('MlsPayload', MlsPayload, [
      MlsPayload.encode({ welcome: bytes(200), messages: [bytes(100), bytes(50)] })
    ]),
    message('GroupContent', GroupContent, [
      GroupContent.encode({
        kind: GroupContent.Kind.TEXT,
        text: 'hi',
        sentAt: 9n,
        receiptSeed: bytes(32),
        groupName: 'g',
        direct: true,
        messageId: bytes(16),
        proposals: [bytes(20)]
      })
    ])
  ]
}
