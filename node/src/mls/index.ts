export {
  clientConfig,
  credentialIdentity,
  decodeKeyPackage,
  decodeMessage,
  decodeState,
  encodeKeyPackage,
  encodeState,
  MAX_KEY_PACKAGE_BYTES,
  members,
  MlsClient,
  verifiedKeyPackage
} from './client.ts'
export type { KeyPackageBundle, MlsIdentity, Received, VerifiedKeyPackage } from './client.ts'
export { GroupCommandError, MlsError, MlsRejectedError } from './errors.ts'
export { ciphersuite, stockCiphersuite } from './suite.ts'
export { decodeInvite, inboxId, MLS_PAYLOAD_MARKER, MlsService } from './service.ts'
export { isInvite } from './invite-text.ts'
export type { GroupSummary, GroupText, MlsStats, Outgoing } from './service.ts'
export { DEFAULT_MLS_LIMITS } from './limits.ts'
export type { MlsLimits, MlsQuotaReason } from './limits.ts'
