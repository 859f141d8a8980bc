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
export { MlsService } from './service.ts'
export type { MlsServiceOptions, MlsStats } from './service.ts'
export { decodeInvite } from './key-packages.ts'
export { inboxId, MLS_PAYLOAD_MARKER } from './outgoing.ts'
export type { Outgoing } from './outgoing.ts'
export type { GroupSummary, Random } from './groups.ts'
export type { GroupText } from './receive.ts'
export { isInvite } from './invite-text.ts'
export { DEFAULT_MLS_LIMITS } from './limits.ts'
export type { MlsLimits, MlsQuotaReason } from './limits.ts'
