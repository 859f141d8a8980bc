import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import type { InboxMessage, OutboxItem } from '../node/src/daemon/index.ts'
import {
  cli,
  cliJson,
  cliWithInput,
  invite,
  ok,
  TestDaemon,
  TestFolders,
  waitFor
} from './helpers/daemons.ts'

/** envelope.max_payload_bytes by default. */
const LIMIT = 256 * 1024

/** A text of about `bytes` bytes of UTF-8, two-byte characters among them. */
function longText(bytes: number, mark: string): string {
  return `${mark} ${'größer '.repeat(Math.floor(bytes / 9))}`
}

describe('long texts from standard input or a file (two daemons over TCP)', function () {
  this.timeout(120_000)
  const folders = new TestFolders()
  let a: TestDaemon
  let b: TestDaemon
  let files: string

  before(async () => {
    files = await folders.make('qpq-texts-')
    b = await TestDaemon.create('B', folders)
    a = await TestDaemon.create('A', folders)
    await b.start({ transport: 'tcp' })
    await a.start({ transport: 'tcp', bootstrap: [b.tcpAddress()] })
  })

  after(async () => {
    await a.stop()
    await b.stop()
    await folders.removeAll()
  })

  async function inboxOfB(text: string): Promise<InboxMessage> {
    return waitFor(`a text of ${Buffer.byteLength(text)} bytes in B's inbox`, async () => {
      const messages = await cliJson<InboxMessage[]>(b.args('inbox'))
      return messages.find((message) => message.text === text)
    })
  }

  it('delivers a long text read from standard input, from a file, and to a group', async () => {
    const fromStdin = longText(150_000, 'stdin')
    const sent = await cliWithInput(a.args('send', await invite(b), '-'), Buffer.from(fromStdin))
    expect(sent.code, sent.stderr).to.equal(0)
    expect((await inboxOfB(fromStdin)).from).to.equal(a.address)

    const fromFile = longText(120_000, 'file')
    const file = fileNamed('text.txt')
    await writeFile(file, fromFile)
    await ok(a, 'send', b.address, '--file', file)
    await inboxOfB(fromFile)

    await ok(a, 'group', 'create', 'team')
    await ok(a, 'group', 'add', 'team', await invite(b))
    const toGroup = longText(100_000, 'group')
    const groupSent = await cliWithInput(a.args('group', 'send', 'team', '-'), Buffer.from(toGroup))
    expect(groupSent.code, groupSent.stderr).to.equal(0)
    expect((await inboxOfB(toGroup)).group).to.equal('team')
  })

  it('refuses a text over envelope.max_payload_bytes with one line and status 2, queueing nothing', async () => {
    const outbox = await cliJson<OutboxItem[]>(a.args('outbox'))
    const tooLong = fileNamed('too-long.txt')
    await writeFile(tooLong, 'x'.repeat(LIMIT + 1))
    const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 'y')
    const refusals = [
      await cliWithInput(a.args('send', b.address, '-'), tenMegabytes),
      await cliWithInput(a.args('group', 'send', 'team', '-'), tenMegabytes),
      await cli(a.args('send', b.address, '--file', tooLong)),
      await cli(a.args('group', 'send', 'team', '--file', tooLong))
    ]
    for (const refused of refusals) {
      expect(refused.code, refused.stderr).to.equal(2)
      expect(refused.stderr.trim().split('\n')).to.have.length(1)
      expect(refused.stderr).to.include('too long').and.include(`envelope.max_payload_bytes allows ${LIMIT}`)
    }
    expect(await cliJson<OutboxItem[]>(a.args('outbox'))).to.deep.equal(outbox)
  })

  it('refuses a text that is not UTF-8, and a text given twice', async () => {
    const latin1 = fileNamed('latin1.txt')
    await writeFile(latin1, Buffer.from('gr\xf6\xdfer', 'latin1'))
    const cases = [
      { result: await cli(a.args('send', b.address, '--file', latin1)), error: /is not valid UTF-8/ },
      {
        result: await cliWithInput(a.args('send', b.address, '-'), Buffer.from([0xff, 0xfe])),
        error: /standard input is not valid UTF-8/
      },
      { result: await cli(a.args('send', b.address, 'hi', '--file', latin1)), error: /one of them/ },
      { result: await cli(a.args('send', b.address)), error: /one of them/ },
      {
        result: await cli(a.args('send', b.address, '--file', fileNamed('missing.txt'))),
        error: /cannot read --file/
      }
    ]
    for (const { result, error } of cases) {
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr).to.match(error)
    }
  })

  function fileNamed(name: string): string {
    return join(files, name)
  }
})
