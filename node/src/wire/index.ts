export {
  createEnvelopeContent,
  decodeEnvelope,
  encodeEnvelope,
  encodeEnvelopeContent,
  envelopeId,
  readHeader,
  readPayload
} from './codec.ts'
export { fromHex, toHex } from './hex.ts'
export type { DecodedEnvelope, EnvelopeHeader, EnvelopeLimits, NewEnvelope, Priority } from './codec.ts'
export { MalformedEnvelopeError, MalformedMessageError, OversizeEnvelopeError, WireError } from './errors.ts'
export { MAX_GROUP_DEPTH, peerDecoder } from './peer-decode.ts'
export type { PeerDecoder } from './peer-decode.ts'
export { MAX_ENVELOPE_BYTES } from './constants.ts'
