import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { serviceUnitEnvironment } from '../node/src/daemon/service-unit.ts'
import { cli, cliJson, TestDaemon, TestFolders } from './helpers/daemons.ts'
import { requireDebianPackages } from './helpers/packages.ts'

const SERVICE_UNIT = join(import.meta.dirname, '..', 'config', 'systemd', 'qpq-node.service')

interface Status {
  allocator: string
  residentBytes: number
}

describe('the malloc a daemon runs on', function () {
  this.timeout(60_000)
  const folders = new TestFolders()
  const daemons: TestDaemon[] = []

  after(async () => {
    await Promise.all(daemons.map((node) => node.stop('SIGKILL')))
    await folders.removeAll()
  })

  describe('with Debian libjemalloc2', () => {
    before(async function () {
      await requireDebianPackages(this, ['libjemalloc2'])
    })

    it('is jemalloc under the environment of the shipped systemd unit, shown in status and metrics', async () => {
      const env = serviceUnitEnvironment(await readFile(SERVICE_UNIT, 'utf8'))
      expect(env.LD_PRELOAD, 'the unit preloads jemalloc').to.equal('libjemalloc.so.2')
      const node = await TestDaemon.create('service', folders)
      daemons.push(node)
      await node.start({ env })
      expect(node.log, 'the daemon runs with jemalloc').not.to.include('cannot be preloaded')
      expect(node.log).to.include('malloc   jemalloc')
      const status = await cliJson<Status>(node.args('status'))
      expect(status.allocator).to.equal('jemalloc')
      expect(status.residentBytes).to.be.above(10_000_000)
      const metrics = await cli(node.args('metrics'))
      expect(metrics.stdout).to.match(/^qpq_resident_bytes\{allocator="jemalloc"\} \d+$/m)
    })
  })

  it("is the C library's without it, and the start banner says how to change that", async () => {
    const node = await TestDaemon.create('plain', folders)
    daemons.push(node)
    await node.start({ env: { LD_PRELOAD: '' } })
    expect(node.log).to.include("malloc   the C library's")
    const status = await cliJson<Status>(node.args('status'))
    expect(status.allocator).to.equal('system')
  })
})
