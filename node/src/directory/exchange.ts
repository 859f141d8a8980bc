import { pbStream } from '@libp2p/utils'
import type { AbortOptions, Stream } from '@libp2p/interface'
import {
  DIGEST_BYTES,
  MAX_ANSWER_KEY_PACKAGES,
  MAX_ANSWER_READ_BYTES,
  MAX_SUMMARY_BYTES,
  MAX_SUMMARY_DIGESTS
} from './constants.ts'
import { peerDecoder } from '../wire/index.ts'
import { KeyPackageAnswer, KeyPackageSummary } from './exchange.pb.ts'

const answers = peerDecoder('KeyPackageAnswer', KeyPackageAnswer)
const summaries = peerDecoder('KeyPackageSummary', KeyPackageSummary)

/**
 * The puller's side of one exchange: sends the summary, reads the answer (bounded in bytes and in key
 * packages), closes. The key packages come back unchecked.
 */
export async function pullKeyPackages(
  stream: Stream,
  digests: Uint8Array[],
  options: AbortOptions
): Promise<Uint8Array[]> {
  const messages = pbStream(stream, { maxDataLength: MAX_ANSWER_READ_BYTES })
  await messages.write({ digests }, KeyPackageSummary, options)
  const answer = await messages.read(answers, {
    ...options,
    limits: { keyPackages: MAX_ANSWER_KEY_PACKAGES }
  })
  await stream.close(options)
  return answer.keyPackages
}

/**
 * The answerer's side: reads the summary (bounded), writes what `answer` makes of its digests (hex; digests
 * of another length are ignored), closes.
 */
export async function answerPull(
  stream: Stream,
  answer: (digests: ReadonlySet<string>) => Uint8Array[],
  options: AbortOptions
): Promise<void> {
  const messages = pbStream(stream, { maxDataLength: MAX_SUMMARY_BYTES })
  const summary = await messages.read(summaries, {
    ...options,
    limits: { digests: MAX_SUMMARY_DIGESTS }
  })
  const digests = new Set(
    summary.digests
      .filter((digest) => digest.length === DIGEST_BYTES)
      .map((digest) => Buffer.from(digest).toString('hex'))
  )
  await messages.write({ keyPackages: answer(digests) }, KeyPackageAnswer, options)
  await stream.close(options)
}
