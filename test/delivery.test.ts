import { expect } from 'chai'
import { cli, cliJson, invite, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'

interface Status {
  outbox: number
  confirmed: number
  relay: number
  inbox: number
  meshContacts: number
  dropped: number
}

interface InboxMessage {
  id: string
  from: string
  text: string
  receivedAt: number
}

const folders = new TestFolders()
const daemons: TestDaemon[] = []

async function daemon(name: string): Promise<TestDaemon> {
  const created = await TestDaemon.create(name, folders)
  daemons.push(created)
  return created
}

async function status(node: TestDaemon): Promise<Status> {
  return cliJson<Status>(node.args('status'))
}

async function inbox(node: TestDaemon): Promise<InboxMessage[]> {
  return cliJson<InboxMessage[]>(node.args('inbox'))
}

/** Sends to a daemon's address (over the mesh's key-package exchange if need be), or to an invite. */
async function send(from: TestDaemon, to: TestDaemon | string, text: string): Promise<string> {
  const result = await cli(from.args('send', typeof to === 'string' ? to : to.address, text))
  expect(result.code, result.stderr).to.equal(0)
  return result.stdout.trim()
}

async function waitForInbox(node: TestDaemon, count: number): Promise<InboxMessage[]> {
  return waitFor(`${count} message(s) in ${node.name}'s inbox`, async () => {
    const messages = await inbox(node)
    return messages.length >= count ? messages : undefined
  })
}

async function waitForStatus(
  node: TestDaemon,
  what: string,
  check: (status: Status) => boolean
): Promise<Status> {
  return waitFor(`${node.name}: ${what}`, async () => {
    const current = await status(node)
    return check(current) ? current : undefined
  })
}

afterEach(async () => {
  await Promise.all(daemons.splice(0).map((node) => node.stop('SIGKILL')))
})

after(async () => {
  await folders.removeAll()
})

describe('store-and-forward delivery between daemons on 127.0.0.1', function () {
  this.timeout(120_000)

  it('A → B → C with C offline until A has stopped; exactly once; the receipt reaches A and purges B', async () => {
    const [a, b, c] = [await daemon('A'), await daemon('B'), await daemon('C')]
    await b.start()
    await c.start()
    const cAddress = c.address
    const cInvite = await invite(c)
    await c.stop()
    await a.start({ bootstrap: [b.quicAddress()] })
    await waitForStatus(a, 'in contact with B', (s) => s.meshContacts === 1)

    const id = await send(a, cInvite, 'hello through the mesh')
    expect(id).to.match(/^[0-9a-f]{64}$/)
    await waitForStatus(b, 'holding the envelope', (s) => s.relay === 1)
    await a.stop()

    await c.start({ bootstrap: [b.quicAddress()] })
    expect(c.address).to.equal(cAddress)
    const messages = await waitForInbox(c, 1)
    expect(messages).to.have.length(1)
    expect(messages[0]).to.include({ id, from: a.address, text: 'hello through the mesh' })
    await waitForStatus(b, 'its copy purged by the receipt', (s) => s.relay === 0)

    await a.start({ bootstrap: [b.quicAddress()] })
    const learned = await waitForStatus(a, 'learned the receipt', (s) => s.outbox === 0)
    expect(learned.confirmed).to.equal(1)
    expect(await inbox(c)).to.have.length(1)
  })

  for (const transport of ['quic', 'tcp'] as const) {
    it(`delivers over ${transport.toUpperCase()} alone`, async () => {
      const [a, b] = [await daemon('A'), await daemon('B')]
      await b.start({ transport })
      await a.start({ transport, bootstrap: [transport === 'quic' ? b.quicAddress() : b.tcpAddress()] })
      const peers = await cliJson<{ addresses: string[] }[]>(a.args('peers'))
      expect(peers.flatMap((peer) => peer.addresses).join(' ')).to.include(
        transport === 'quic' ? '/quic-v1' : '/tcp/'
      )
      await send(a, b, `over ${transport}`)
      const [message] = await waitForInbox(b, 1)
      expect(message?.text).to.equal(`over ${transport}`)
    })
  }

  it('lists an inbox larger than one control-socket line, a page at a time', async () => {
    const [a, b] = [await daemon('A'), await daemon('B')]
    await b.start({ transport: 'tcp' })
    await a.start({ transport: 'tcp', bootstrap: [b.tcpAddress()] })
    const texts = Array.from({ length: 12 }, (_, i) => String(i % 10).repeat(100_000) + String(i))
    for (const text of texts) await send(a, b, text)
    const messages = await waitForInbox(b, texts.length)
    expect(messages.map((message) => message.text).sort()).to.deep.equal([...texts].sort())
  })

  it('B restarts while holding an envelope and still delivers it', async () => {
    const [a, b, c] = [await daemon('A'), await daemon('B'), await daemon('C')]
    await b.start()
    await c.start()
    const cInvite = await invite(c)
    await c.stop()
    await a.start({ bootstrap: [b.quicAddress()] })
    await waitForStatus(a, 'in contact with B', (s) => s.meshContacts === 1)
    await send(a, cInvite, 'survives a restart')
    await waitForStatus(b, 'holding the envelope', (s) => s.relay === 1)
    await a.stop()
    const bAddresses = b.multiaddrs.map((address) => address.replace(/\/p2p\/.*$/, ''))
    expect(await b.stop('SIGTERM')).to.equal(0)
    await b.start({ listen: bAddresses })
    expect((await status(b)).relay).to.equal(1)
    await c.start({ bootstrap: [b.quicAddress()] })
    const [message] = await waitForInbox(c, 1)
    expect(message?.text).to.equal('survives a restart')
  })
})

describe('peer exchange over gossipsub', function () {
  this.timeout(60_000)

  it('A and C, each bootstrapped only to B, learn of each other through B and connect', async () => {
    const exchange = { env: { QPQ_NETWORK_PEER_EXCHANGE: 'true', QPQ_NETWORK_PEER_EXCHANGE_INTERVAL: '500' } }
    const [a, b, c] = [await daemon('A'), await daemon('B'), await daemon('C')]
    await b.start(exchange)
    await a.start({ ...exchange, bootstrap: [b.tcpAddress()] })
    await c.start({ ...exchange, bootstrap: [b.tcpAddress()] })
    const peers = await waitFor('A connected to C', async () => {
      const list = await cliJson<{ peerId: string }[]>(a.args('peers'))
      return list.some((peer) => peer.peerId === c.peerId) ? list : undefined
    })
    expect(peers.map((peer) => peer.peerId)).to.include.members([b.peerId, c.peerId])
  })
})
