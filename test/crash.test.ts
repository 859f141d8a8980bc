import { join } from 'node:path'
import { expect } from 'chai'
import { callDaemon } from '../node/src/api/index.ts'
import { TestDaemon, TestFolders, waitForInboxIds } from './helpers/daemons.ts'

/** Kill rounds: each sends a burst and kills the daemon with SIGKILL while sends are in flight. */
const ROUNDS = 5
const SENDS_PER_ROUND = 200

describe('kill -9 while sending', function () {
  this.timeout(180_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []

  after(async () => {
    await Promise.all(daemons.map((node) => node.stop('SIGKILL')))
    await folders.removeAll()
  })

  // B is offline throughout the sends and A has no group with it: every acknowledged send is a first message
  // kept on A's disk until B's key package arrives, at the end, over the mesh.
  it('never loses a message whose send was acknowledged, and delivers each once', async () => {
    const [a, b] = [await TestDaemon.create('A', folders), await TestDaemon.create('B', folders)]
    daemons.push(a, b)
    await b.start()
    const recipient = b.address
    await b.stop()

    const acknowledged = new Set<string>()
    for (let round = 0; round < ROUNDS; round++) {
      await a.start()
      const socket = join(a.data, 'control.sock')
      let answered = 0
      // A different kill point each round, the same every run.
      const killAfter = 20 + ((round * 37) % (SENDS_PER_ROUND - 40))
      const killed = new Promise<void>((resolve) => {
        const sends = Array.from({ length: SENDS_PER_ROUND }, (_, i) =>
          callDaemon(socket, 'send', { address: recipient, text: `round ${round} message ${i}` }).then(
            (result) => {
              acknowledged.add((result as { id: string }).id)
              answered++
              if (answered === killAfter) resolve()
            },
            () => undefined
          )
        )
        void Promise.all(sends).then(() => {
          resolve()
        })
      })
      await killed
      await a.stop('SIGKILL')
    }
    expect(acknowledged.size).to.be.greaterThan(ROUNDS * 20)

    await a.start()
    await b.start({ bootstrap: [a.quicAddress()] })
    const ids = await waitForInboxIds(b, acknowledged)
    expect(new Set(ids).size, 'no message delivered twice').to.equal(ids.length)
  })
})
