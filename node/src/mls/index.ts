export {
  clientConfig,
  credentialIdentity,
  decodeKeyPackage,
  decodeMessage,
  decodeState,
  encodeKeyPackage,
  encodeState,
  members,
  MlsClient
} from './client.ts'
export type { KeyPackageBundle, MlsIdentity, Received } from './client.ts'
export { GroupCommandError, MlsRejectedError } from './errors.ts'
export { ciphersuite, stockCiphersuite } from './suite.ts'
export { decodeInvite, inboxId, MLS_PAYLOAD_MARKER, MlsService } from './service.ts'
export { isInvite } from './invite-text.ts'
export type { GroupSummary, GroupText, Outgoing } from './service.ts'
