import type { Daemon } from '../../node/src/daemon/index.ts'
import type { ContactEvent, MessageEvent, Trace } from '../../sim/src/trace.ts'
import { waitFor } from './daemons.ts'
import { control } from './memory-daemons.ts'

/** Polls for quiescence after each event this often, up to this many times (10 s). */
const QUIESCENCE_POLL = { attempts: 1000, intervalMs: 10 }

type PlanEvent = { kind: 'contact'; contact: ContactEvent } | { kind: 'message'; message: MessageEvent }

/** A link of the plan that is up, by its two nodes. */
type Links = Map<string, { a: number; b: number }>

/** A message of the trace and the id of the envelope that carries it. */
interface Sent {
  message: string
  envelope: string
}

class QuiescenceTimeoutError extends Error {
  override name = 'QuiescenceTimeoutError'
}

/** The trace's events up to `end` in the simulator's order: by time, a message before a contact at one time. */
function planEvents(trace: Trace, end: number): PlanEvent[] {
  const events: PlanEvent[] = []
  let contact = 0
  for (const message of trace.messages) {
    for (; (trace.contacts[contact]?.time ?? Infinity) < message.time; contact++) {
      events.push({ kind: 'contact', contact: trace.contacts[contact] as ContactEvent })
    }
    events.push({ kind: 'message', message })
  }
  for (const rest of trace.contacts.slice(contact)) events.push({ kind: 'contact', contact: rest })
  return events.filter((event) => (event.kind === 'contact' ? event.contact : event.message).time <= end)
}

/**
 * Replays a contact plan on daemons in plan order, as fast as they settle: node i of the trace is
 * `daemons[i]`; a contact coming up is a libp2p dial from its first node, going down a hang-up; a message
 * is a `send` from its source to an invite of its destination (as the control socket does, so the first
 * text travels in one envelope with its Welcome), its text the message's id. After every event it waits
 * until the daemons are quiescent for the links that are up.
 */
export async function replayPlan(daemons: Daemon[], trace: Trace, end: number): Promise<void> {
  const links: Links = new Map()
  const sent: Sent[] = []
  for (const event of planEvents(trace, end)) {
    if (event.kind === 'message') {
      const { from, to, id } = event.message
      const { invite } = await control<{ invite: string }>(node(daemons, to), 'invite')
      const envelope = await control<{ id: string }>(node(daemons, from), 'send', {
        address: invite,
        text: id
      })
      sent.push({ message: id, envelope: envelope.id })
    } else {
      await toggle(daemons, links, event.contact)
    }
    await settle(daemons, links, sent, planLine(event))
  }
}

async function toggle(daemons: Daemon[], links: Links, { a, b, up }: ContactEvent): Promise<void> {
  const key = a < b ? `${a}-${b}` : `${b}-${a}`
  const first = node(daemons, a)
  const second = node(daemons, b)
  if (up && !links.has(key)) {
    links.set(key, { a, b })
    await first.libp2p.dial(second.libp2p.getMultiaddrs())
  } else if (!up && links.delete(key)) {
    await first.libp2p.hangUp(second.libp2p.peerId)
  }
}

/** Waits, polling, until nothing is left to exchange after `event`; on a timeout says what was still unsettled. */
async function settle(daemons: Daemon[], links: Links, sent: readonly Sent[], event: string): Promise<void> {
  let pending: string | undefined
  try {
    await waitFor(
      `quiescence after ${event}`,
      async () => {
        await Promise.all(daemons.map((daemon) => daemon.meshEngine.settled()))
        pending = unsettled(daemons, links, sent)
        return pending === undefined ? true : undefined
      },
      QUIESCENCE_POLL
    )
  } catch (err) {
    throw new QuiescenceTimeoutError(`${(err as Error).message}: ${pending ?? ''}`)
  }
}

/**
 * What is left to exchange, if anything: a daemon whose mesh sessions are not exactly with its neighbours on
 * the links that are up, or a message whose envelope one end of a link holds and the other lacks, with no
 * receipt for it either. Epidemic spreading ends there: every message has reached every node the links join
 * or been delivered. Receipts may still travel (a node does not push one to a peer that never held the
 * envelope), but they only purge copies of messages already delivered.
 */
function unsettled(daemons: Daemon[], links: Links, sent: readonly Sent[]): string | undefined {
  const neighbours = daemons.map(() => new Set<number>())
  for (const { a, b } of links.values()) {
    neighbours[a]?.add(b)
    neighbours[b]?.add(a)
  }
  for (const [i, daemon] of daemons.entries()) {
    const contacts = new Set(daemon.meshService.contacts())
    const expected = [...(neighbours[i] ?? [])].map((peer) => node(daemons, peer).libp2p.peerId.toString())
    if (contacts.size !== expected.length || !expected.every((peer) => contacts.has(peer)))
      return `node ${i} has ${contacts.size} mesh sessions, the plan ${expected.length}`
  }
  const lacks = (i: number, id: string): boolean => {
    const store = node(daemons, i).meshStore
    return !store.hasEnvelope(id) && !store.hasReceipt(id)
  }
  for (const { a, b } of links.values()) {
    for (const { message, envelope } of sent) {
      const [holder, other] = lacks(a, envelope) ? [b, a] : [a, b]
      if (node(daemons, holder).meshStore.hasEnvelope(envelope) && lacks(other, envelope))
        return `${message} (envelope ${envelope}): node ${holder} holds it, node ${other} not yet`
    }
  }
  return undefined
}

function node(daemons: Daemon[], index: number): Daemon {
  const daemon = daemons[index]
  if (daemon === undefined)
    throw new RangeError(`the plan names node ${index}, beyond the ${daemons.length} daemons`)
  return daemon
}

function planLine(event: PlanEvent): string {
  if (event.kind === 'message') {
    const { time, id, from, to } = event.message
    return `${time} C ${id} ${from} ${to}`
  }
  const { time, a, b, up } = event.contact
  return `${time} CONN ${a} ${b} ${up ? 'up' : 'down'}`
}
