import type { Trace } from './trace.ts'

export interface OracleResult {
  /** Earliest delivery time per message index (seconds); undefined where no path exists in time. */
  deliveredAt: (number | undefined)[]
  delivered: number
}

/**
 * The earliest possible delivery of every message on the contact plan, with
 * unlimited bandwidth and buffers: a message floods instantly along every
 * link that is up while it lives (creation to creation + ttl). No strategy
 * can deliver more, or sooner. Each node's set of messages is a bitset, so a
 * contact costs one pass over the words of its two ends, from the first word
 * with a live message to the last message created.
 */
export function oracle(trace: Trace, nodes: number, ttl: number, end: number): OracleResult {
  const { contacts, messages } = trace
  const words = Math.ceil(messages.length / 32)
  const held = Array.from({ length: nodes }, () => new Uint32Array(words))
  const alive = new Uint32Array(words)
  const neighbours = Array.from({ length: nodes }, () => new Set<number>())
  const deliveredAt: (number | undefined)[] = messages.map(() => undefined)
  const expiries = messages.map((message, index) => ({ time: message.time + ttl, index }))
  expiries.sort((a, b) => a.time - b.time || a.index - b.index)
  let delivered = 0
  let nextContact = 0
  let nextMessage = 0
  let nextExpiry = 0
  /** Words below `lowWord` hold only expired messages; words from `highWord` on, none created yet. */
  let lowWord = 0
  let highWord = 0

  const spread = (start: number[], now: number): void => {
    const pending = [...start]
    for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
      const source = held[node] as Uint32Array
      for (const peer of neighbours[node] ?? []) {
        const target = held[peer] as Uint32Array
        let gained = false
        for (let w = lowWord; w < highWord; w++) {
          const fresh = (source[w] ?? 0) & (alive[w] ?? 0) & ~(target[w] ?? 0)
          if (fresh === 0) continue
          target[w] = (target[w] ?? 0) | fresh
          gained = true
          for (let bits = fresh; bits !== 0; bits &= bits - 1) {
            const index = w * 32 + (31 - Math.clz32(bits & -bits))
            if (messages[index]?.to === peer && deliveredAt[index] === undefined) {
              deliveredAt[index] = now
              delivered++
            }
          }
        }
        if (gained) pending.push(peer)
      }
    }
  }

  for (;;) {
    const contact = contacts[nextContact]
    const message = messages[nextMessage]
    const expiry = expiries[nextExpiry]
    const time = Math.min(contact?.time ?? Infinity, message?.time ?? Infinity, expiry?.time ?? Infinity)
    if (time > end || time === Infinity) break
    if (expiry !== undefined && expiry.time === time) {
      nextExpiry++
      alive[expiry.index >> 5] = (alive[expiry.index >> 5] ?? 0) & ~(1 << (expiry.index & 31))
      while (lowWord < highWord && alive[lowWord] === 0 && (lowWord + 1) * 32 <= nextMessage) lowWord++
    } else if (message !== undefined && message.time === time) {
      const index = nextMessage++
      highWord = (index >> 5) + 1
      const bit = 1 << (index & 31)
      alive[index >> 5] = (alive[index >> 5] ?? 0) | bit
      const source = held[message.from] as Uint32Array
      source[index >> 5] = (source[index >> 5] ?? 0) | bit
      if (message.from === message.to) {
        deliveredAt[index] = time
        delivered++
      }
      spread([message.from], time)
    } else if (contact !== undefined) {
      nextContact++
      if (contact.a === contact.b) continue
      if (contact.up) {
        neighbours[contact.a]?.add(contact.b)
        neighbours[contact.b]?.add(contact.a)
        spread([contact.a, contact.b], time)
      } else {
        neighbours[contact.a]?.delete(contact.b)
        neighbours[contact.b]?.delete(contact.a)
      }
    }
  }
  return { deliveredAt, delivered }
}
