export { KeyPackageDirectory } from './directory.ts'
export type { DirectoryStats, KeyPackageDirectoryComponents, KeyPackageDirectoryInit } from './directory.ts'
export { KeyPackageBook } from './book.ts'
export type { BookLimits, KeptKeyPackage } from './book.ts'
export {
  DEFAULT_MAX_IDENTITIES,
  DEFAULT_PULL_INTERVAL_MS,
  KEY_PACKAGE_PROTOCOL,
  KEY_PACKAGES_PER_IDENTITY,
  MAX_ANSWER_KEY_PACKAGES
} from './constants.ts'
export { KeyPackageAnswer, KeyPackageSummary } from './exchange.pb.ts'
