import { join } from 'node:path'
import { expect } from 'chai'
import { callDaemon } from '../node/src/api/index.ts'
import { cli, cliJson, invite, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'

interface Status {
  relay: number
  droppedByReason: Record<string, number>
  refusedByPeer: Record<string, number>
}

describe('relay quotas between daemons', function () {
  this.timeout(120_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []

  after(async () => {
    await Promise.all(daemons.map((node) => node.stop('SIGKILL')))
    await folders.removeAll()
  })

  it('refuses a flooding peer beyond its quota, shows it in status and metrics, and serves the others', async () => {
    const flooder = await TestDaemon.create('A', folders)
    const relay = await TestDaemon.create('B', folders)
    const other = await TestDaemon.create('D', folders)
    const recipient = await TestDaemon.create('C', folders)
    daemons.push(flooder, relay, other, recipient)
    // The senders start their 1:1 MLS groups with the recipient while it is online and connected to them
    // directly; then it leaves, and what they send after goes through the relay alone.
    await recipient.start()
    for (const sender of [flooder, other]) {
      await sender.start({ bootstrap: [recipient.quicAddress()] })
      await callDaemon(join(sender.data, 'control.sock'), 'send', {
        address: await invite(recipient),
        text: 'hi'
      })
    }
    await waitFor('the recipient to read both first messages', async () => {
      const inbox = await cliJson<unknown[]>(recipient.args('inbox'))
      return inbox.length === 2 ? true : undefined
    })
    for (const sender of [flooder, other]) {
      await waitFor(`${sender.name} to learn its first message arrived`, async () => {
        const outbox = await cliJson<unknown[]>(sender.args('outbox'))
        return outbox.length === 0 ? true : undefined
      })
    }
    await recipient.stop()
    await Promise.all([flooder.stop(), other.stop()])
    // Each envelope of a 1,000-character message is about 1.26 kB in MLS: room for two from any one peer.
    await relay.start({ env: { QPQ_RELAY_MAX_BYTES_PER_PEER: '3000' } })
    await flooder.start({ bootstrap: [relay.quicAddress()] })
    await other.start({ bootstrap: [relay.quicAddress()] })
    const send = (from: TestDaemon, i: number) =>
      callDaemon(join(from.data, 'control.sock'), 'send', {
        address: recipient.address,
        text: `${i}`.padEnd(1000, '.')
      })
    for (let i = 0; i < 10; i++) await send(flooder, i)
    await send(other, 0)

    const status = await waitFor('B to hold 3 envelopes and to have refused 8', async () => {
      const current = await cliJson<Status>(relay.args('status'))
      return current.relay === 3 && (current.refusedByPeer[flooder.peerId] ?? 0) >= 8 ? current : undefined
    })
    expect(status.droppedByReason['peer quota']).to.be.at.least(8)
    expect(Object.keys(status.refusedByPeer)).to.deep.equal([flooder.peerId])
    const metrics = await cli(relay.args('metrics'))
    expect(metrics.stdout).to.include(`qpq_refused_total{peer="${flooder.peerId}"}`)
    expect(metrics.stdout).to.match(/qpq_dropped_total\{reason="peer quota"\} \d+/)
    expect(metrics.stdout).to.include('qpq_relay_envelopes 3')

    const outbox = await cliJson<{ attempts: number; lastError: string }[]>(flooder.args('outbox'))
    expect(outbox).to.have.length(10)
    expect(outbox.filter((item) => item.lastError.endsWith('peer quota'))).to.have.length(8)
  })
})
