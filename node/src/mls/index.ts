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
export { MlsRejectedError } from './errors.ts'
export { ciphersuite, DEFAULT_SUITE, stockCiphersuite } from './suite.ts'
