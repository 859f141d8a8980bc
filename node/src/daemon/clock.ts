import type { Clock } from '../mesh/index.ts'

export const systemClock: Clock = { now: () => Date.now() }
