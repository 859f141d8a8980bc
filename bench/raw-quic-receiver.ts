/**
 * The receiving side of the raw QUIC benchmark, run as its own process by raw-quic.ts. Prints one JSON line
 * `{"listen": multiaddr}` once listening, then one `{"count", "firstAt", "lastAt"}` line (times from
 * `performance.now()`, in ms) per stream once the sender has closed its side; exits on SIGTERM.
 */
import * as lp from 'it-length-prefixed'
import { createQuicNode, RAW_PROTOCOL } from './quic-node.ts'

const node = await createQuicNode(true)
await node.handle(RAW_PROTOCOL, async (stream) => {
  let count = 0
  let firstAt = 0
  let lastAt = 0
  for await (const _ of lp.decode(stream)) {
    lastAt = performance.now()
    if (count === 0) firstAt = lastAt
    count++
  }
  console.log(JSON.stringify({ count, firstAt, lastAt }))
  await stream.close()
})
process.once('SIGTERM', () => {
  void (async (): Promise<void> => {
    await node.stop()
    process.exit(0)
  })()
})
console.log(JSON.stringify({ listen: node.getMultiaddrs()[0]?.toString() }))
