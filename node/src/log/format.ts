import { createHmac, randomBytes } from 'node:crypto'
import { format } from 'node:util'
import debug from 'weald'

/**
 * `%x` in a log line: an identifier that says which envelope, tag or group a line is about (hex, or bytes
 * shown as hex). Peer ids take `%p` and addresses `%a`, as in libp2p; redaction covers the three.
 */
debug.formatters.x = identifierText

/** How an identifier is written: bytes as hex, anything else (a string, a peer id, a multiaddr) as its text. */
function identifierText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  return value == null ? 'undefined' : (value as { toString(): string }).toString()
}

/** `@libp2p/logger`'s, imported from here where a line takes `%x`, so that the formatter is set first. */
export { logger } from '@libp2p/logger'
export type { Logger } from '@libp2p/logger'

/** Characters of a redacted value's hash: 60 bits, enough to tell apart the values seen in one run. */
const HASH_CHARS = 10

/**
 * Identifiers found in the text of a line (error messages, libp2p's own lines) that formatters do not see:
 * multiaddrs and socket addresses, peer ids, qpq addresses, and hex of 16 characters or more.
 */
const IDENTIFIERS = new RegExp(
  [
    String.raw`(?:/(?:ip4|ip6|dns|dns4|dns6|dnsaddr|unix|memory|tcp|udp|quic-v1|p2p|p2p-circuit|ws|wss|webrtc|certhash)(?:/[^\s/,;'"()\[\]]*)?)+`,
    String.raw`\b(?:12D3KooW|16Uiu2|Qm)[1-9A-HJ-NP-Za-km-z]{40,}\b`,
    String.raw`\bqpq1[02-9ac-hj-np-z]{20,}\b`,
    String.raw`\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b`,
    String.raw`\b[0-9a-fA-F]{16,}\b`
  ].join('|'),
  'g'
)

/**
 * Makes every log line of this process redacted: identifiers become `#` and a short hash, salted afresh at
 * each call (each run), so one value keeps its hash within a run and cannot be linked across runs; a line's
 * time is the minute it was written in, without the seconds or the milliseconds between lines.
 */
export function redactLogs(): (value: unknown) => string {
  const salt = randomBytes(32)
  const redact = (value: unknown): string =>
    value == null
      ? 'undefined'
      : `#${createHmac('sha256', salt).update(identifierText(value)).digest('base64url').slice(0, HASH_CHARS)}`
  debug.formatters.p = redact
  debug.formatters.a = redact
  debug.formatters.x = redact
  debug.formatArgs = function (args: unknown[]) {
    args[0] = `${new Date().toISOString().slice(0, 16)}Z ${this.namespace} ${String(args[0])}`
  }
  const write = debug.log.bind(debug)
  debug.log = (line: string, ...args: unknown[]) => {
    write('%s', format(line, ...args).replace(IDENTIFIERS, redact))
  }
  return redact
}
