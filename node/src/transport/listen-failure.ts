import { ListenError } from './errors.ts'
import type { ListenFailure } from './errors.ts'

/** The name of the error libp2p's transport manager throws when a listen address fails at start. */
const LIBP2P_LISTEN_FAILURE = 'UnsupportedListenAddressesError'

/** The operating system's refusals, as Node's TCP (`listen EADDRINUSE`) and the QUIC core (`os error 98`) word them. */
const FAILURES: readonly { code: ListenFailure; pattern: RegExp; reason: string }[] = [
  {
    code: 'EADDRINUSE',
    pattern: /EADDRINUSE|Address already in use/,
    reason: 'the port is in use, by another qpq-node or another program'
  },
  {
    code: 'EADDRNOTAVAIL',
    pattern: /EADDRNOTAVAIL|Cannot assign requested address/,
    reason: 'no interface of this machine has that address'
  },
  {
    code: 'EACCES',
    pattern: /EACCES|Permission denied/,
    reason: 'permission denied (ports below 1024 need privileges)'
  }
]

/**
 * The `ListenError` behind an error libp2p threw at start, or `undefined` for any other error. libp2p puts
 * each failed address's error into its message only (`\n  <address>: <error>`), so that is what is read.
 */
export function listenErrorOf(err: unknown, listen: readonly string[]): ListenError | undefined {
  if (!(err instanceof Error) || err.name !== LIBP2P_LISTEN_FAILURE) return undefined
  for (const address of listen) {
    const start = err.message.indexOf(`\n  ${address}: `)
    if (start === -1) continue
    const detail = err.message.slice(start + address.length + 5).split('\n')[0] ?? ''
    const failure = FAILURES.find(({ pattern }) => pattern.test(detail))
    return failure === undefined
      ? new ListenError(address, 'OTHER', detail)
      : new ListenError(address, failure.code, failure.reason)
  }
  return undefined
}
