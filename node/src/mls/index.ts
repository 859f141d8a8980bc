export {
  clientConfig,
  credentialIdentity,
  decodeKeyPackage,
  decodeMessage,
  decodeState,
  encodeKeyPackage,
  encodeState,
  members,
  MlsClient,
  RETAINED_EPOCHS
} from './client.ts'
export type { KeyPackageBundle, MlsIdentity, Received } from './client.ts'
export { GroupCommandError, MlsRejectedError } from './errors.ts'
export { ciphersuite, DEFAULT_SUITE, stockCiphersuite } from './suite.ts'
export { decodeInvite, MLS_PAYLOAD_MARKER, MlsService } from './service.ts'
export { isInvite } from './invite-text.ts'
export type {
  GroupSummary,
  GroupText,
  Outgoing,
  Received as ReceivedPayload,
  WaitingFirstMessage
} from './service.ts'
