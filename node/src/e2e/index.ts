export { decodeFirstText, open, seal } from './seal.ts'
export type { Opened, Sealed, SealedKind, SealInput } from './seal.ts'
export { E2eError, SealOpenError } from './errors.ts'
export { FirstText, SealedMessage } from './sealed.pb.ts'
