import { daemonClient } from './commands.ts'
import type { CommonOptions } from './commands.ts'
import { printJson, printLine, printTable } from './output.ts'

/** An envelope id as the daemon prints it: the SHA-256 of the envelope, in hex. */
export const ENVELOPE_ID = /^[0-9a-f]{64}$/

/** Lists this node's pending messages: `qpq-node outbox`. */
export async function outboxCommand(options: CommonOptions): Promise<void> {
  const { items } = await (await daemonClient(options)).call('outbox', {})
  if (options.json) {
    printJson(items)
    return
  }
  if (items.length === 0) {
    printLine('the outbox is empty')
    return
  }
  const now = Date.now()
  printTable(
    ['id', 'recipient', 'priority', 'age', 'attempts', 'next attempt', 'last error'],
    items.map((item) => [
      item.id,
      item.recipient,
      item.priority,
      formatDuration(item.age),
      String(item.attempts),
      item.waiting === undefined ? nextAttempt(item.nextAttemptAt, now) : `waiting for ${item.waiting}`,
      item.lastError
    ])
  )
}

/** Lists this node's messages that failed, oldest first: `qpq-node outbox --failed`. */
export async function outboxFailedCommand(options: CommonOptions): Promise<void> {
  const { items } = await (await daemonClient(options)).call('outbox.failed', {})
  if (options.json) {
    printJson(items)
    return
  }
  if (items.length === 0) {
    printLine('no message has failed')
    return
  }
  printTable(
    ['id', 'recipient', 'priority', 'failed', 'reason', 'detail'],
    items.map((item) => [
      item.id,
      item.recipient,
      item.priority,
      new Date(item.failedAt).toISOString(),
      item.reason,
      item.detail
    ])
  )
}

/** Tries every pending message now: `qpq-node outbox flush`. */
export async function outboxFlushCommand(options: CommonOptions): Promise<void> {
  const { pending } = await (await daemonClient(options)).call('outbox.flush', {})
  if (options.json) printJson({ pending })
  else printLine(`tried every pending message; ${messages(pending)} pending`)
}

/** Discards unsent messages, all or those named: `qpq-node outbox clear --yes [--id <id>…]`. */
export async function outboxClearCommand(options: CommonOptions & { ids?: string[] }): Promise<void> {
  const { discarded } = await (
    await daemonClient(options)
  ).call('outbox.clear', options.ids === undefined ? {} : { ids: options.ids })
  if (options.json) printJson({ discarded })
  else printLine(`discarded ${messages(discarded)}`)
}

/** `12s`, `3m`, `5h`, `2d`: the largest whole unit. */
function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h`
  return `${Math.floor(hours / 24)}d`
}

function nextAttempt(at: number, now: number): string {
  if (at === 0) return 'next contact'
  return at - now < 1000 ? 'now' : `in ${formatDuration(at - now)}`
}

function messages(count: number): string {
  return count === 1 ? '1 message' : `${count} messages`
}
