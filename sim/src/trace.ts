import type { Priority } from '../../node/src/wire/index.ts'

/** A link between two nodes comes up or goes down. Nodes are numbered from 0. */
export interface ContactEvent {
  time: number
  a: number
  b: number
  up: boolean
}

/** A message created at `from` for `to`. Sizes in bytes, times in seconds. */
export interface MessageEvent {
  time: number
  id: string
  from: number
  to: number
  size: number
  priority: Priority
}

/** A contact plan and traffic, sorted by time. */
export interface Trace {
  contacts: ContactEvent[]
  messages: MessageEvent[]
}

/** The number of nodes a trace names (highest node number + 1). */
export function nodesIn(trace: Trace): number {
  let highest = -1
  for (const { a, b } of trace.contacts) highest = Math.max(highest, a, b)
  for (const { from, to } of trace.messages) highest = Math.max(highest, from, to)
  return highest + 1
}
