import { expect } from 'chai'
import type { OutboxItem, StatusResult } from '../node/src/daemon/index.ts'
import type { FailedMessage } from '../node/src/queue/index.ts'
import { cliJson, invite, ok, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'

/** The longest retry delay there is: A tries again only when the test flushes its outbox. */
const NEVER_BY_ITSELF = String(2 ** 31 - 1)
const MAX_REFUSALS = 3

describe('a message refused for good ends as a failed message (two daemons over TCP)', function () {
  this.timeout(120_000)
  const folders = new TestFolders()
  let a: TestDaemon
  let b: TestDaemon

  before(async () => {
    b = await TestDaemon.create('B', folders)
    a = await TestDaemon.create('A', folders)
    await b.start({ transport: 'tcp', env: { QPQ_ENVELOPE_MAX_PAYLOAD_BYTES: '4096' } })
    await a.start({
      transport: 'tcp',
      bootstrap: [b.tcpAddress()],
      env: {
        QPQ_OUTBOX_RETRY_BASE: NEVER_BY_ITSELF,
        QPQ_OUTBOX_RETRY_CAP: NEVER_BY_ITSELF,
        QPQ_OUTBOX_MAX_REFUSALS: String(MAX_REFUSALS)
      }
    })
  })

  after(async () => {
    await a.stop()
    await b.stop()
    await folders.removeAll()
  })

  async function pending(id: string, refusals: number): Promise<OutboxItem> {
    return waitFor(`${refusals} refusals of ${id} in A's outbox`, async () => {
      const items = await cliJson<OutboxItem[]>(a.args('outbox'))
      return items.find((item) => item.id === id && item.refusals === refusals)
    })
  }

  it("shows B's refusal in A's outbox, then lists the message as failed, counted in status and metrics", async () => {
    // Under A's payload limit (256 KiB), over B's (4 KiB): B refuses it as too large, every time.
    const id = await ok(a, 'send', await invite(b), 'x'.repeat(8000))

    const refused = await pending(id, 1)
    expect(refused).to.include({ recipient: b.address, lastError: `refused by ${b.peerId}: too large` })
    expect((await ok(a, 'outbox')).split('\n').join(' ')).to.include(`refused by ${b.peerId}: too large`)
    expect(await cliJson<FailedMessage[]>(a.args('outbox', '--failed'))).to.deep.equal([])
    expect(await ok(a, 'outbox', '--failed')).to.equal('no message has failed')

    for (let refusals = 2; refusals < MAX_REFUSALS; refusals++) {
      await ok(a, 'outbox', 'flush')
      await pending(id, refusals)
    }
    await ok(a, 'outbox', 'flush')
    const [failed, ...more] = await waitFor('the failed message', async () => {
      const items = await cliJson<FailedMessage[]>(a.args('outbox', '--failed'))
      return items.length > 0 ? items : undefined
    })
    expect(more).to.deep.equal([])
    expect(failed).to.include({
      id,
      recipient: b.address,
      priority: 'critical',
      reason: 'too large',
      detail: `refused ${MAX_REFUSALS} times as too large, last by ${b.peerId}`
    })
    expect(await cliJson<OutboxItem[]>(a.args('outbox'))).to.deep.equal([])

    const listing = await ok(a, 'outbox', '--failed')
    expect(listing).to.include(id).and.include(b.address).and.include('too large')

    const status = await cliJson<StatusResult>(a.args('status'))
    expect(status).to.deep.include({ failed: 1, failedByReason: { 'too large': 1 } })
    expect(await ok(a, 'status')).to.match(/failed since start\s+1/)
    const metrics = await ok(a, 'metrics')
    expect(metrics).to.include('qpq_outbox_failed_total{reason="too large"} 1')
    expect(metrics).to.include('qpq_outbox_failed_messages 1')
    const atB = await cliJson<StatusResult>(b.args('status'))
    expect(atB.droppedByReason['too large']).to.equal(MAX_REFUSALS)
  })

  it('keeps the failed message across a restart', async () => {
    const before = await cliJson<FailedMessage[]>(a.args('outbox', '--failed'))
    expect(before).to.have.length(1)
    await a.stop()
    await a.start({ transport: 'tcp', bootstrap: [b.tcpAddress()] })
    expect(await cliJson<FailedMessage[]>(a.args('outbox', '--failed'))).to.deep.equal(before)
    expect(await cliJson<StatusResult>(a.args('status'))).to.include({ failed: 1 })
  })
})
