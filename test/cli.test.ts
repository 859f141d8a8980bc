import { expect } from 'chai'
import { cli, TestFolders } from './helpers/daemons.ts'

describe('qpq-node CLI without a daemon', function () {
  this.timeout(30_000)
  const folders = new TestFolders()
  after(async () => {
    await folders.removeAll()
  })

  it('init prints the address and peer id as JSON, and refuses a second identity', async () => {
    const data = await folders.make('qpq-cli-')
    const first = await cli(['init', '--data', data, '--json', '--name', 'alice'])
    expect(first.code, first.stderr).to.equal(0)
    const created = JSON.parse(first.stdout) as { address: string; peerId: string }
    expect(created.address).to.match(/^qpq1/)
    expect(created.peerId).to.match(/^12D3KooW/)
    const second = await cli(['init', '--data', data])
    expect(second.code).to.not.equal(0)
    expect(second.stderr).to.match(/already exists; refusing to overwrite/)
  })

  it('says what to do when no daemon runs', async () => {
    const data = await folders.make('qpq-cli-')
    for (const command of [['status'], ['inbox'], ['peers']]) {
      const result = await cli([...command, '--data', data])
      expect(result.code).to.equal(1)
      expect(result.stderr.trim().split('\n')).to.have.length(1)
      expect(result.stderr).to.include(`qpq-node start --data ${data}`)
    }
  })

  it('rejects a wrong argument, an unknown command and a bad address with one line and status 2', async () => {
    const data = await folders.make('qpq-cli-')
    const cases = [
      { args: ['frobnicate'], error: /Unknown argument: frobnicate/ },
      { args: ['send', 'qpq1notanaddress', 'hi'], error: /not a valid qpq address/ },
      { args: ['send', 'npub1xyz', 'hi'], error: /not a qpq address/ },
      { args: ['send'], error: /Not enough non-option arguments/ },
      { args: ['send', 'qpq1x', 'hi', '--priority', 'urgent'], error: /Invalid values/ },
      { args: ['start', '--listen', '/ip4/not-an-ip/tcp/0'], error: /network\.listen\[0\]/ }
    ]
    for (const { args, error } of cases) {
      const result = await cli([...args, '--data', data])
      expect(result.code, args.join(' ')).to.equal(2)
      expect(result.stderr, args.join(' ')).to.match(error)
    }
  })
})
