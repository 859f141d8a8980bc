import { SimInputError } from './errors.ts'
import type { ContactEvent, MessageEvent, Trace } from './trace.ts'
import { parseSize } from './units.ts'

/**
 * Reads the ONE's StandardEventsReader format: `<t> CONN <a> <b> up|down
 * [<interface>]` and `<t> C <id> <from> <to> <size> [<responseSize>]`, `#`
 * lines and blank lines skipped, times non-decreasing. A host is a number or
 * letters followed by a number; only the number counts. Response sizes are
 * read and ignored (the simulator has no request-response traffic).
 */
export function parseOneEvents(text: string, source: string): Trace {
  const contacts: ContactEvent[] = []
  const messages: MessageEvent[] = []
  let last = -Infinity
  const lines = text.split('\n')
  lines.forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const where = `${source}:${index + 1}`
    const fields = line.split(/\s+/)
    const time = Number(fields[0])
    if (!Number.isFinite(time) || time < 0) throw new SimInputError(`${where}: "${fields[0]}" is not a time`)
    if (time < last) throw new SimInputError(`${where}: time ${time} goes back from ${last}`)
    last = time
    const kind = fields[1]
    if (kind === 'CONN' && fields.length >= 5 && fields.length <= 6) {
      const state = fields[4]
      if (state !== 'up' && state !== 'down')
        throw new SimInputError(`${where}: "${state}" is neither up nor down`)
      contacts.push({ time, a: host(fields[2], where), b: host(fields[3], where), up: state === 'up' })
    } else if (kind === 'C' && fields.length >= 6 && fields.length <= 7) {
      messages.push({
        time,
        id: fields[2] ?? '',
        from: host(fields[3], where),
        to: host(fields[4], where),
        size: parseSize(fields[5] ?? '', `${where}: size`),
        priority: 'normal'
      })
    } else {
      throw new SimInputError(
        `${where}: expected "<t> CONN <a> <b> up|down" or "<t> C <id> <from> <to> <size>"`
      )
    }
  })
  return { contacts, messages }
}

function host(text: string | undefined, where: string): number {
  const match = /^[A-Za-z]*(\d+)$/.exec(text ?? '')
  if (match === null)
    throw new SimInputError(`${where}: "${text ?? ''}" is not a host (a number, maybe after letters)`)
  return Number(match[1])
}
