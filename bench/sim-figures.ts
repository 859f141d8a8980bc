/** What the simulator benchmark (sim.ts) asks of one scenario, and what its process (sim-case.ts) answers. */
export interface SimCase {
  /** A scenario file, absolute; undefined when the flags say everything. */
  file?: string
  flags: Record<string, unknown>
}

export interface SimCaseFigures {
  /** Wall time of `runScenario` (the simulation and its oracle, not reading or generating the trace). */
  seconds: number
  /** From the process's start to the end of `runScenario`: Node's start, loading the code and the trace, the run. */
  processSeconds: number
  contacts: number
  messages: number
  events: number
  deliveryProb: number
  /** The process's peak RSS (VmHWM), if the OS tells. */
  peakRssBytes: number | undefined
}

export type SimCaseMessage = { update: string } | { figures: SimCaseFigures }
