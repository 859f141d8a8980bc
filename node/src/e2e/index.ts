export { open, seal } from './seal.ts'
export type { Opened, Sealed, SealInput } from './seal.ts'
export { SealOpenError } from './errors.ts'
