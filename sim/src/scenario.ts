import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { z } from 'zod'
import { STRATEGY_NAMES, strategySpec } from '../../node/src/mesh/index.ts'
import type { Priority } from '../../node/src/wire/index.ts'
import { SimInputError } from './errors.ts'
import { edgeContacts, poissonContacts, generateTraffic } from './generators.ts'
import type { PriorityMix } from './generators.ts'
import { parseOneEvents } from './one-events.ts'
import type { SimSettings } from './simulator.ts'
import { nodesIn } from './trace.ts'
import type { ContactEvent, MessageEvent } from './trace.ts'
import { parseBandwidth, parseDuration, parseSize } from './units.ts'

/**
 * Every key of a scenario, as written in a scenario file (snake_case) and as
 * a flag of `qpq-sim run` (the same name with dashes). Sizes and durations
 * are strings with units (`250k`, `5M`, `300m`) or plain numbers (bytes,
 * seconds); ranges are `low-high`.
 */
const scenarioSchema = z
  .object({
    name: z.string().min(1),
    seed: z.int().min(0),
    nodes: z.int().min(1).optional(),
    end: z.union([z.string(), z.number()]).optional(),
    contacts: z.string().min(1),
    contact_interval: z.union([z.string(), z.number()]).optional(),
    contact_duration: z.union([z.string(), z.number()]).optional(),
    edges: z.string().optional(),
    link_uptime: z.union([z.string(), z.number()]).optional(),
    link_downtime: z.union([z.string(), z.number()]).optional(),
    messages: z.string().min(1),
    message_interval: z.string().optional(),
    message_size: z.string().optional(),
    sources: z.string().optional(),
    destinations: z.string().optional(),
    priorities: z.string().optional(),
    bandwidth: z.union([z.string(), z.number()]),
    latency: z.union([z.string(), z.number()]),
    buffer: z.union([z.string(), z.number()]),
    ttl: z.union([z.string(), z.number()]),
    strategy: z.enum(STRATEGY_NAMES),
    copies: z.int().min(1),
    spray: z.enum(['binary', 'source']),
    receipts: z.boolean(),
    send_order: z.enum(['oldest', 'random']),
    resend: z.boolean()
  })
  .strict()

export type ScenarioKeys = z.infer<typeof scenarioSchema>

/** How each scenario key reads as a command-line flag: numbers and booleans as such, the rest as text. */
export function scenarioFlagTypes(): Record<string, 'string' | 'number' | 'boolean'> {
  const types: Record<string, 'string' | 'number' | 'boolean'> = {}
  for (const [key, field] of Object.entries(scenarioSchema.shape)) {
    const inner = field instanceof z.ZodOptional ? field.unwrap() : field
    const type = inner.def.type
    types[key] = type === 'number' || type === 'boolean' ? type : 'string'
  }
  return types
}

/** Keys a scenario need not give. */
const SCENARIO_DEFAULTS = {
  name: 'scenario',
  seed: 1,
  contact_interval: '12h',
  contact_duration: '120s',
  link_uptime: '1h',
  link_downtime: '5m',
  bandwidth: '250k',
  latency: 0,
  buffer: 'unlimited',
  ttl: '300m',
  strategy: 'default',
  copies: 6,
  spray: 'binary',
  receipts: true,
  send_order: 'oldest',
  resend: false,
  message_interval: '25-35',
  message_size: '500k-1M',
  priorities: 'normal:1'
} as const

/** Reads a scenario file; keys given as flags override the file's. Relative paths are from the file. */
export async function loadScenario(
  file: string | undefined,
  flags: Record<string, unknown>
): Promise<{ keys: ScenarioKeys; base: string }> {
  let fromFile: Record<string, unknown> = {}
  if (file !== undefined) {
    try {
      fromFile = parseToml(await readFile(file, 'utf8'))
    } catch (err) {
      throw new SimInputError(`scenario ${file}: ${(err as Error).message}`)
    }
  }
  const merged = { ...SCENARIO_DEFAULTS, ...fromFile, ...flags }
  const parsed = scenarioSchema.safeParse(merged)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'scenario'}: ${issue.message}`
    )
    throw new SimInputError(`scenario ${file ?? '(flags)'}: ${problems.join('; ')}`)
  }
  return { keys: parsed.data, base: file === undefined ? process.cwd() : dirname(resolve(file)) }
}

/** Turns scenario keys into what the simulator runs: traces read or generated, units resolved. */
export async function settingsOf(keys: ScenarioKeys, base: string): Promise<SimSettings> {
  const end = keys.end === undefined ? undefined : duration(keys.end, 'end')
  const contacts = await contactsOf(keys, base, end)
  const messages = await messagesOf(keys, base, end)
  const trace = { contacts, messages }
  const named = nodesIn(trace)
  const nodes = keys.nodes ?? named
  if (named > nodes) {
    throw new SimInputError(`the trace names node ${named - 1} but the scenario has ${nodes} nodes`)
  }
  const lastEvent = Math.max(contacts.at(-1)?.time ?? 0, messages.at(-1)?.time ?? 0)
  return {
    name: keys.name,
    nodes,
    trace,
    end: end ?? lastEvent,
    bandwidth: limit(keys.bandwidth, parseBandwidth),
    latency: duration(keys.latency, 'latency'),
    buffer: limit(keys.buffer, (text) => parseSize(text, 'buffer')),
    ttl: duration(keys.ttl, 'ttl'),
    strategy: strategySpec(keys.strategy, { copies: keys.copies, mode: keys.spray }),
    receipts: keys.receipts,
    randomSendOrder: keys.send_order === 'random',
    resendDropped: keys.resend,
    seed: keys.seed
  }
}

async function contactsOf(
  keys: ScenarioKeys,
  base: string,
  end: number | undefined
): Promise<ContactEvent[]> {
  if (keys.contacts === 'poisson' || keys.contacts === 'edges') {
    if (end === undefined || keys.nodes === undefined) {
      throw new SimInputError(`generated contacts (${keys.contacts}) need "nodes" and "end"`)
    }
    if (keys.contacts === 'poisson') {
      return poissonContacts({
        nodes: keys.nodes,
        end,
        meanInterval: duration(keys.contact_interval ?? '', 'contact_interval'),
        meanDuration: duration(keys.contact_duration ?? '', 'contact_duration'),
        seed: keys.seed
      })
    }
    if (keys.edges === undefined)
      throw new SimInputError('contacts = "edges" needs an edge list file in "edges"')
    return edgeContacts({
      edges: parseEdges(await readText(resolve(base, keys.edges))),
      end,
      meanUptime: duration(keys.link_uptime ?? '', 'link_uptime'),
      meanDowntime: duration(keys.link_downtime ?? '', 'link_downtime'),
      seed: keys.seed
    })
  }
  const path = resolve(base, keys.contacts)
  const trace = parseOneEvents(await readText(path), path)
  return trace.contacts
}

async function messagesOf(
  keys: ScenarioKeys,
  base: string,
  end: number | undefined
): Promise<MessageEvent[]> {
  if (keys.messages === 'generate') {
    if (end === undefined || keys.nodes === undefined)
      throw new SimInputError('generated messages need "nodes" and "end"')
    const last = keys.nodes - 1
    return generateTraffic({
      end,
      interval: range(keys.message_interval ?? '', 'message_interval', (text) => parseDuration(text)),
      size: range(keys.message_size ?? '', 'message_size', (text) => parseSize(text)),
      sources: range(keys.sources ?? `0-${last}`, 'sources', Number),
      destinations: range(keys.destinations ?? `0-${last}`, 'destinations', Number),
      priorities: priorityMix(keys.priorities ?? ''),
      seed: keys.seed + 1
    })
  }
  const path = resolve(base, keys.messages)
  return parseOneEvents(await readText(path), path).messages
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new SimInputError(`cannot read ${path}: ${(err as Error).message}`)
  }
}

function duration(value: string | number, what: string): number {
  return typeof value === 'number' ? value : parseDuration(value, what)
}

/** A size or bandwidth, or `unlimited`. */
function limit(value: string | number, parse: (text: string) => number): number {
  if (typeof value === 'number') return value
  return value === 'unlimited' ? Infinity : parse(value)
}

function range(text: string, what: string, parse: (text: string) => number): [number, number] {
  const parts = text.split('-')
  const low = parse(parts[0] ?? '')
  const high = parts.length > 1 ? parse(parts[1] ?? '') : low
  if (parts.length > 2 || !(low <= high)) throw new SimInputError(`${what} "${text}" is not a range low-high`)
  return [low, high]
}

function priorityMix(text: string): PriorityMix {
  const mix: [Priority, number][] = []
  for (const part of text.split(',')) {
    const [name, weight] = part.split(':')
    if ((name !== 'critical' && name !== 'normal' && name !== 'low') || !(Number(weight) >= 0)) {
      throw new SimInputError(`priorities "${text}": expected e.g. critical:0.1,normal:0.8,low:0.1`)
    }
    mix.push([name, Number(weight)])
  }
  return mix
}

/** An edge list: one `a b` pair of node numbers a line, `#` comments. */
function parseEdges(text: string): [number, number][] {
  const edges: [number, number][] = []
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = /^(\d+)\s+(\d+)$/.exec(line)
    if (match === null) throw new SimInputError(`edge list line ${index + 1}: expected "<a> <b>"`)
    edges.push([Number(match[1]), Number(match[2])])
  }
  return edges
}
