import { expect } from 'chai'
import type { OutboxItem } from '../node/src/daemon/index.ts'
import { cli, cliJson, invite, TestDaemon, TestFolders } from './helpers/daemons.ts'

describe('qpq-node outbox against a daemon with no peers', function () {
  this.timeout(60_000)
  const folders = new TestFolders()
  let a: TestDaemon
  let recipient: string
  let recipientInvite: string

  before(async () => {
    // The recipient hands out an invite and is never seen again: A's texts travel in the 1:1 group the first
    // one (with the invite) starts, so each is one envelope in the outbox.
    const b = await TestDaemon.create('B', folders)
    await b.start()
    recipient = b.address
    recipientInvite = await invite(b)
    await b.stop()
    a = await TestDaemon.create('A', folders)
    // Texts to someone new wait for their key package here (the test lists them as such).
    await a.start({ env: { QPQ_MLS_SEALED_FIRST_MESSAGE: 'false' } })
  })

  after(async () => {
    await a.stop()
    await folders.removeAll()
  })

  async function outbox(): Promise<OutboxItem[]> {
    return cliJson<OutboxItem[]>(a.args('outbox'))
  }

  async function send(priority: string, to = recipient): Promise<string> {
    const result = await cli(a.args('send', to, `a ${priority} message`, '--priority', priority))
    expect(result.code, result.stderr).to.equal(0)
    return result.stdout.trim()
  }

  it('lists, flushes and clears the pending messages', async () => {
    // Its Welcome makes the first envelope critical whatever was asked.
    const critical = await send('critical', recipientInvite)
    const normal = await send('normal')
    const low = await send('low')

    const items = await outbox()
    expect(items.map((item) => item.id)).to.deep.equal([critical, normal, low])
    expect(items.map((item) => item.priority)).to.deep.equal(['critical', 'normal', 'low'])
    for (const item of items) {
      expect(item).to.include({ recipient, attempts: 0, lastError: '', nextAttemptAt: 0 })
      expect(item.age).to.be.within(0, 60_000)
      expect(item.expiresAt).to.be.greaterThan(Date.now())
    }

    const listing = await cli(a.args('outbox'))
    expect(listing.code, listing.stderr).to.equal(0)
    for (const id of [critical, normal, low]) expect(listing.stdout).to.include(id)
    expect(listing.stdout).to.include(recipient).and.include('next contact')

    const flush = await cli(a.args('outbox', 'flush'))
    expect(flush.code, flush.stderr).to.equal(0)
    expect(flush.stdout).to.include('3 messages pending')
    expect(await cliJson<{ pending: number }>(a.args('outbox', 'flush'))).to.deep.equal({ pending: 3 })

    const refused = await cli(a.args('outbox', 'clear', '--id', normal))
    expect(refused.code).to.equal(2)
    expect(refused.stderr.trim().split('\n')).to.have.length(1)
    expect(refused.stderr).to.include('add --yes')
    expect(await outbox()).to.have.length(3)

    const one = await cli(a.args('outbox', 'clear', '--id', normal, '--yes'))
    expect(one.code, one.stderr).to.equal(0)
    expect(one.stdout).to.include('discarded 1 message')
    expect((await outbox()).map((item) => item.id)).to.deep.equal([critical, low])

    expect(await cliJson<{ discarded: number }>(a.args('outbox', 'clear', '--yes'))).to.deep.equal({
      discarded: 2
    })
    expect(await outbox()).to.deep.equal([])
    expect((await cli(a.args('outbox'))).stdout).to.include('the outbox is empty')
  })

  it('rejects an --id that is not an envelope id with one line and status 2', async () => {
    const pending = await send('normal')
    for (const id of ['abc', pending.slice(1), `${pending.slice(1)}g`, pending.toUpperCase()]) {
      const result = await cli(a.args('outbox', 'clear', '--id', pending, '--id', id, '--yes'))
      expect(result.code, id).to.equal(2)
      expect(result.stderr.trim().split('\n'), id).to.have.length(1)
      expect(result.stderr, id).to.include(`--id ${id} is not an envelope id`)
    }
    expect((await outbox()).map((item) => item.id)).to.deep.equal([pending])
  })

  it('lists a text to someone new as waiting for their key package, and clears it by id', async () => {
    await cli(a.args('outbox', 'clear', '--yes'))
    const stranger = await cliJson<{ address: string }>([
      'init',
      '--data',
      await folders.make('qpq-stranger-')
    ])
    const id = await send('normal', stranger.address)
    const items = await outbox()
    expect(items.map((item) => [item.recipient, item.priority, item.waiting])).to.deep.equal([
      [stranger.address, 'critical', undefined],
      [stranger.address, 'normal', 'key package']
    ])
    expect(items[1]?.id).to.equal(id)
    expect((await cli(a.args('outbox'))).stdout).to.include('waiting for key package')
    const cleared = await cli(a.args('outbox', 'clear', '--id', id, '--yes'))
    expect(cleared.stdout).to.include('discarded 1 message')
    expect((await outbox()).map((item) => item.waiting)).to.deep.equal([undefined])
  })
})
