import { decodeEnvelope, OversizeEnvelopeError } from '../wire/index.ts'

/**
 * Refusal reasons that will not change with time at the peer that gives them: its payload limit is below the
 * envelope's, or the envelope's recipient could not open it. An outbox envelope refused for one of them
 * `maxRefusals` times fails. The others (a full store, a quota) pass as the relay forwards what it holds:
 * they only back off, and the envelope's expiry bounds them.
 */
export const PERMANENT_REFUSALS: ReadonlySet<string> = new Set(['too large', 'not acceptable'])

/**
 * The id of envelope bytes that are refused for their payload's size alone, so the refusal can name it to
 * the peer; undefined when `err` is any other fault (those bytes cannot be trusted to name an envelope).
 */
export function tooLargeId(bytes: Uint8Array, err: unknown): Uint8Array | undefined {
  if (!(err instanceof OversizeEnvelopeError)) return undefined
  try {
    return decodeEnvelope(bytes, { maxPayloadBytes: Infinity }).header.idBytes
  } catch {
    return undefined
  }
}
