import type { Priority } from '../../node/src/wire/index.ts'
import { Random } from './random.ts'
import type { ContactEvent, MessageEvent } from './trace.ts'

export type PriorityMix = [Priority, number][]

/**
 * Contacts where every pair of nodes meets as an independent Poisson process
 * (exponential gaps of mean `meanInterval` between contacts) and each contact
 * lasts an exponential time of mean `meanDuration`; seconds. Drawn as one
 * process of all pairs together (rate: pairs / meanInterval), each arrival at
 * a pair picked uniformly, so the cost follows the contacts, not the pairs;
 * an arrival at a pair already in contact is skipped, which by the memoryless
 * gaps leaves each pair's own process as stated.
 */
export function poissonContacts(options: {
  nodes: number
  end: number
  meanInterval: number
  meanDuration: number
  seed: number
}): ContactEvent[] {
  const { nodes, end, meanInterval, meanDuration } = options
  const random = new Random(options.seed)
  const events: ContactEvent[] = []
  if (nodes < 2) return events
  const meanArrivalGap = meanInterval / ((nodes * (nodes - 1)) / 2)
  /** Pair key (a * nodes + b) → when its current contact ends. */
  const upUntil = new Map<number, number>()
  for (
    let time = random.exponential(meanArrivalGap);
    time < end;
    time += random.exponential(meanArrivalGap)
  ) {
    const first = random.int(0, nodes - 1)
    const other = random.int(0, nodes - 2)
    const [a, b] = other < first ? [other, first] : [first, other + 1]
    const key = a * nodes + b
    if ((upUntil.get(key) ?? -Infinity) > time) continue
    const down = time + random.exponential(meanDuration)
    upUntil.set(key, down)
    events.push({ time: round(time), a, b, up: true })
    if (down < end) events.push({ time: round(down), a, b, up: false })
  }
  return sortByTime(events)
}

/**
 * A static topology whose links fail and recover: each edge is up for an
 * exponential time of mean `meanUptime`, then down for one of mean
 * `meanDowntime`, and so on; all edges are up at time 0.
 */
export function edgeContacts(options: {
  edges: [number, number][]
  end: number
  meanUptime: number
  meanDowntime: number
  seed: number
}): ContactEvent[] {
  const random = new Random(options.seed)
  const events: ContactEvent[] = []
  for (const [a, b] of options.edges) {
    let time = 0
    let up = true
    while (time < options.end) {
      events.push({ time: round(time), a, b, up })
      time += random.exponential(up ? options.meanUptime : options.meanDowntime)
      up = !up
    }
  }
  return sortByTime(events)
}

/**
 * Messages one every `interval` (uniform in the range), of a size uniform in
 * `size`, from a source and to a different destination uniform in their
 * ranges, with priorities drawn from the weighted mix.
 */
export function generateTraffic(options: {
  end: number
  interval: [number, number]
  size: [number, number]
  sources: [number, number]
  destinations: [number, number]
  priorities: PriorityMix
  seed: number
}): MessageEvent[] {
  const random = new Random(options.seed)
  const total = options.priorities.reduce((sum, [, weight]) => sum + weight, 0)
  const messages: MessageEvent[] = []
  for (let time = random.between(...options.interval); time < options.end;) {
    const from = random.int(...options.sources)
    let to = random.int(...options.destinations)
    for (let tries = 0; to === from && tries < 100; tries++) to = random.int(...options.destinations)
    if (to !== from) {
      messages.push({
        time: round(time),
        id: `M${messages.length + 1}`,
        from,
        to,
        size: Math.round(random.between(options.size[0], options.size[1] + 1) - 0.5),
        priority: pick(options.priorities, random.next() * total)
      })
    }
    time += random.between(...options.interval)
  }
  return messages
}

function pick(mix: PriorityMix, at: number): Priority {
  let left = at
  for (const [priority, weight] of mix) {
    if (left < weight) return priority
    left -= weight
  }
  return mix.at(-1)?.[0] ?? 'normal'
}

/** Times to the millisecond, so a generated trace written in the ONE's format reads back the same. */
function round(time: number): number {
  return Math.round(time * 1000) / 1000
}

function sortByTime(events: ContactEvent[]): ContactEvent[] {
  return events.sort((x, y) => x.time - y.time || Number(x.up) - Number(y.up) || x.a - y.a || x.b - y.b)
}
