import { expect } from 'chai'
import type { OutboxItem } from '../node/src/daemon/index.ts'
import { cli, cliJson, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'

interface InboxMessage {
  id: string
  from: string
  text: string
  group?: string
}

interface Group {
  name: string
  direct: boolean
  members: string[]
}

/** The sender keeps first texts until a key package arrives, instead of sealing them. */
const WAIT_FOR_KEY_PACKAGE = { env: { QPQ_MLS_SEALED_FIRST_MESSAGE: 'false' } }

describe('MLS: send to someone new by address, with no invite', function () {
  this.timeout(120_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []

  after(async () => {
    await Promise.all(daemons.map((node) => node.stop('SIGKILL')))
    await folders.removeAll()
  })

  async function ok(node: TestDaemon, ...args: string[]): Promise<string> {
    const result = await cli(node.args(...args))
    expect(result.code, `${node.name} ${args.join(' ')}: ${result.stderr}`).to.equal(0)
    return result.stdout.trim()
  }

  it('keeps the text on disk across a kill -9, asks for a key package, and delivers it over MLS', async () => {
    const [a, b] = [await TestDaemon.create('A', folders), await TestDaemon.create('B', folders)]
    daemons.push(a, b)
    await b.start()
    const bAddress = b.address
    await b.stop()

    await a.start(WAIT_FOR_KEY_PACKAGE)
    const first = await ok(a, 'send', bAddress, 'hello before we ever met')
    const second = await ok(a, 'send', bAddress, 'and a second one', '--priority', 'low')
    const waiting = (await cliJson<OutboxItem[]>(a.args('outbox'))).filter((item) => item.waiting)
    expect(waiting.map((item) => [item.id, item.recipient, item.priority, item.waiting])).to.deep.equal([
      [first, bAddress, 'normal', 'key package'],
      [second, bAddress, 'low', 'key package']
    ])
    const listing = await ok(a, 'outbox')
    expect(listing).to.include('waiting for key package')
    // The only envelope out is the key-package request: no text left the node.
    const queued = (await cliJson<OutboxItem[]>(a.args('outbox'))).filter((item) => !item.waiting)
    expect(queued.map((item) => [item.recipient, item.priority])).to.deep.equal([[bAddress, 'critical']])

    await a.stop('SIGKILL')
    await a.start(WAIT_FOR_KEY_PACKAGE)
    const restarted = await cliJson<OutboxItem[]>(a.args('outbox'))
    expect(restarted.filter((item) => item.waiting).map((item) => item.id)).to.deep.equal([first, second])
    // The request still waits in the outbox, so the start sends no second one.
    expect(restarted.filter((item) => !item.waiting).map((item) => item.id)).to.deep.equal(
      queued.map((item) => item.id)
    )

    await b.start({ bootstrap: [a.quicAddress()] })
    const inbox = await waitFor("both texts in B's inbox", async () => {
      const messages = await cliJson<InboxMessage[]>(b.args('inbox'))
      return messages.length >= 2 ? messages : undefined
    })
    expect(inbox.map((m) => [m.id, m.from, m.text, m.group])).to.have.deep.members([
      [first, a.address, 'hello before we ever met', undefined],
      [second, a.address, 'and a second one', undefined]
    ])
    const groups = await cliJson<Group[]>(b.args('group', 'list'))
    expect(groups.map((g) => [g.direct, [...g.members].sort()])).to.deep.equal([
      [true, [a.address, b.address].sort()]
    ])
    await waitFor("A's outbox to empty", async () => {
      const items = await cliJson<OutboxItem[]>(a.args('outbox'))
      return items.length === 0 ? true : undefined
    })

    await ok(b, 'send', a.address, 'got them')
    const reply = await waitFor("B's reply in A's inbox", async () => {
      const messages = await cliJson<InboxMessage[]>(a.args('inbox'))
      return messages.find((m) => m.text === 'got them')
    })
    expect(reply.from).to.equal(b.address)
  })
})
