export { logger, redactLogs } from './format.ts'
export type { Logger } from './format.ts'
export { LogSummary } from './summary.ts'
export type { LogSummaryInit } from './summary.ts'
