import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { serviceUnitEnvironment, serviceUnitSetting } from '../node/src/daemon/service-unit.ts'
import { TestFolders } from './helpers/daemons.ts'
import { requireDebianPackages } from './helpers/packages.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
const UNIT = join(ROOT, 'config', 'systemd', 'qpq-node.service')
const EXAMPLE = join(ROOT, 'config', 'examples', 'freifunk.toml')
/** The bin as `npm install --global` links it, built by `npm test`'s pretest. */
const BIN = join(ROOT, 'dist', 'node', 'src', 'cli', 'bin.js')
/** Where the unit's ExecStart expects that link. */
const INSTALLED_BIN = '/usr/local/bin/qpq-node'

/** A unit's command line as words: the unit quotes nothing, so words are split at spaces. */
function words(command: string, paths: Record<string, string>): string[] {
  expect(command, 'a command without quotes').not.to.match(/["']/)
  return command
    .trim()
    .split(/\s+/)
    .map((word) => Object.entries(paths).reduce((text, [from, to]) => text.replaceAll(from, to), word))
    .flatMap((word) => (word === INSTALLED_BIN || word === 'qpq-node' ? [process.execPath, BIN] : [word]))
}

/** The example configuration with its paths moved, listening on loopback only and without multicast. */
function testConfig(example: string, paths: Record<string, string>): string {
  const moved = Object.entries(paths).reduce((text, [from, to]) => text.replaceAll(from, to), example)
  const loopback = moved
    .replace(/^listen = \[[^\]]*\]$/m, 'listen = ["/ip4/127.0.0.1/udp/0/quic-v1", "/ip4/127.0.0.1/tcp/0"]')
    .replace(/^mdns = true$/m, 'mdns = false')
  expect(loopback, 'the example has a listen list and mDNS on, which the test rewrites').not.to.equal(moved)
  expect(loopback).to.include('mdns = false').and.include('127.0.0.1/tcp/0')
  return loopback
}

describe('the systemd unit with the Freifunk example configuration', function () {
  this.timeout(60_000)
  const folders = new TestFolders()
  let daemon: ChildProcess | undefined

  before(async function () {
    await requireDebianPackages(this, ['libjemalloc2'])
  })

  after(async () => {
    if (daemon?.exitCode === null) {
      const exited = new Promise((resolve) => daemon?.once('exit', resolve))
      daemon.kill('SIGKILL')
      await exited
    }
    await folders.removeAll()
  })

  it('starts the daemon as ExecStart says, and its status command finds it', async () => {
    const unit = await readFile(UNIT, 'utf8')
    const example = await readFile(EXAMPLE, 'utf8')
    const root = await folders.make('qpq-unit-')
    const paths = {
      '/var/lib/qpq-node': join(root, 'state'),
      '/run/qpq-node': join(root, 'run'),
      '/etc/qpq-node/node.toml': join(root, 'node.toml')
    }
    // What systemd makes before ExecStart: the folders the unit declares, with their modes.
    expect(serviceUnitSetting(unit, 'StateDirectory')).to.equal('qpq-node')
    expect(serviceUnitSetting(unit, 'RuntimeDirectory'), 'the control socket folder').to.equal('qpq-node')
    expect(serviceUnitSetting(unit, 'RuntimeDirectoryMode')).to.equal('0700')
    expect(example).to.match(/^socket = "\/run\/qpq-node\/control\.sock"$/m)
    await mkdir(paths['/var/lib/qpq-node'], {
      mode: Number.parseInt(serviceUnitSetting(unit, 'StateDirectoryMode') ?? '', 8)
    })
    await mkdir(paths['/run/qpq-node'], {
      mode: Number.parseInt(serviceUnitSetting(unit, 'RuntimeDirectoryMode') ?? '', 8)
    })
    await writeFile(paths['/etc/qpq-node/node.toml'], testConfig(example, paths))

    const [command = '', ...args] = words(serviceUnitSetting(unit, 'ExecStart') ?? '', paths)
    const child = spawn(command, args, {
      env: { ...process.env, ...serviceUnitEnvironment(unit) },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    daemon = child
    let log = ''
    const banner = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        log += chunk.toString()
        if (/^control {2}.*$/m.test(log)) resolve(log)
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      child.once('exit', (code) => {
        reject(new Error(`the daemon exited with ${String(code)} before it was ready:\n${log}`))
      })
      setTimeout(() => {
        reject(new Error(`the daemon was not ready within 30 s:\n${log}`))
      }, 30_000).unref()
    })
    expect(banner).to.include('malloc   jemalloc')
    expect(banner).to.include(`control  ${join(root, 'run', 'control.sock')}`)
    const peerId = /^peer id {2}(\S+)$/m.exec(banner)?.[1]
    expect(peerId).to.match(/^12D3KooW/)

    const statusLine = /^#\s+(sudo -u qpq qpq-node status .*)$/m.exec(unit)?.[1]
    expect(statusLine, 'the status command in the comment at the top').to.be.a('string')
    const [, , , node = '', ...statusArgs] = words(statusLine ?? '', paths)
    const status = await run(node, statusArgs, { timeout: 30_000 })
    expect(status.stdout).to.match(new RegExp(`^peer id +${String(peerId)}$`, 'm'))

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).to.equal(0)
  })
})
