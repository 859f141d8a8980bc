import { expect } from 'chai'
import { cli, cliJson, TestDaemon, TestFolders, waitFor } from './helpers/daemons.ts'
import { TestNetworkNamespace } from './helpers/netns.ts'
import { requireDebianPackages } from './helpers/packages.ts'

describe('mDNS discovery inside a network namespace of the test', function () {
  this.timeout(90_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []
  let namespace: TestNetworkNamespace | undefined

  before(async function () {
    await requireDebianPackages(this, ['iproute2', 'util-linux'])
  })

  after(async () => {
    await Promise.all(daemons.map((node) => node.stop('SIGKILL')))
    await namespace?.close()
    await folders.removeAll()
  })

  it('two daemons with no bootstrap find each other and exchange a message', async () => {
    namespace = await TestNetworkNamespace.create()
    const [a, b] = [await TestDaemon.create('A', folders), await TestDaemon.create('B', folders)]
    daemons.push(a, b)
    await a.start({ mdns: true, wrap: namespace.wrap() })
    await b.start({ mdns: true, wrap: namespace.wrap() })
    await waitFor('A and B in contact through mDNS', async () => {
      const status = await cliJson<{ meshContacts: number }>(a.args('status'))
      return status.meshContacts === 1 ? true : undefined
    })
    const sent = await cli(a.args('send', b.address, 'found you on the LAN'))
    expect(sent.code, sent.stderr).to.equal(0)
    const messages = await waitFor('the message in B', async () => {
      const inbox = await cliJson<{ from: string; text: string }[]>(b.args('inbox'))
      return inbox.length > 0 ? inbox : undefined
    })
    expect(messages).to.deep.equal([{ ...messages[0], from: a.address, text: 'found you on the LAN' }])
  })
})
