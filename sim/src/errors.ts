/** A scenario, trace or flag the simulator cannot use; the message says what and where. */
export class SimInputError extends Error {
  override readonly name = 'SimInputError'
}
