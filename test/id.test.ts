import { expect } from 'chai'
import { cli, TestDaemon, TestFolders } from './helpers/daemons.ts'
import type { CliResult } from './helpers/daemons.ts'

function expectFailure(result: CliResult, line: RegExp): void {
  expect(result.code, result.stderr).to.equal(1)
  expect(result.stdout).to.equal('')
  expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1)
  expect(result.stderr.trimEnd()).to.match(line)
}

describe('qpq-node id', function () {
  this.timeout(60_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []

  after(async () => {
    await Promise.all(daemons.map((node) => node.stop('SIGKILL')))
    await folders.removeAll()
  })

  it('without an identity says to run init, in one line', async () => {
    const data = await folders.make('qpq-id-')
    for (const args of [['id'], ['id', '--field', 'address'], ['id', '--wait', '1']]) {
      const result = await cli([...args, '--data', data])
      expectFailure(
        result,
        new RegExp(`^qpq-node: no identity in ${data} \\(create one with: qpq-node init --data ${data}\\)$`)
      )
    }
  })

  it('without a daemon reads the address and peer id from the key files, and lists no listen address', async () => {
    const data = await folders.make('qpq-id-')
    const init = await cli(['init', '--data', data, '--json'])
    const created = JSON.parse(init.stdout) as { address: string; peerId: string }
    const human = await cli(['id', '--data', data])
    expect(human.code, human.stderr).to.equal(0)
    expect(human.stdout).to.equal(
      `address  ${created.address}\npeer id  ${created.peerId}\nlisten   none: no daemon runs\n`
    )
    const json = await cli(['id', '--data', data, '--json'])
    expect(JSON.parse(json.stdout)).to.deep.equal({ ...created, multiaddrs: [] })
    expect((await cli(['id', '--data', data, '--field', 'address'])).stdout).to.equal(`${created.address}\n`)
    expect((await cli(['id', '--data', data, '--field', 'peer-id'])).stdout).to.equal(`${created.peerId}\n`)
  })

  it('fails in one line when the daemon it needs does not run: --field multiaddr, --wait', async () => {
    const data = await folders.make('qpq-id-')
    await cli(['init', '--data', data])
    expectFailure(
      await cli(['id', '--data', data, '--field', 'multiaddr']),
      new RegExp(`^qpq-node: no qpq-node daemon is running for data folder ${data} `)
    )
    expectFailure(
      await cli(['id', '--data', data, '--wait', '0.5']),
      new RegExp(`^qpq-node: no qpq-node daemon answered for data folder ${data} within 0.5 s `)
    )
  })

  it('--wait --field multiaddr, started before the daemon, prints its first listen address once it answers', async () => {
    const node = await TestDaemon.create('waited', folders)
    daemons.push(node)
    await cli(['init', '--data', node.data])
    const waiting = cli(['id', '--data', node.data, '--wait', '--field', 'multiaddr'])
    await node.start()
    const result = await waiting
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.equal(`${String(node.multiaddrs[0])}\n`)
    const human = await cli(['id', '--data', node.data])
    expect(human.stdout).to.equal(
      [
        `address  ${node.address}`,
        `peer id  ${node.peerId}`,
        ...node.multiaddrs.map((a) => `listen   ${a}`),
        ''
      ].join('\n')
    )
  })

  it('refuses a --wait that is not a positive number with status 2', async () => {
    const data = await folders.make('qpq-id-')
    for (const wait of ['0', 'soon']) {
      const result = await cli(['id', '--data', data, '--wait', wait])
      expect(result.code, wait).to.equal(2)
      expect(result.stderr).to.match(/--wait takes a number of seconds greater than 0/)
    }
  })
})
