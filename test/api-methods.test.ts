import { expect } from 'chai'
import {
  CONTROL_METHODS,
  ControlClient,
  ControlProtocolError,
  ControlServer,
  RemoteError,
  controlSocketPath,
  tableHandlers
} from '../node/src/api/index.ts'
import type { ControlHandlers } from '../node/src/api/index.ts'
import { controlHandlers } from '../node/src/daemon/index.ts'
import type { ControlParts } from '../node/src/daemon/index.ts'
import type { Priority } from '../node/src/wire/index.ts'
import { TestFolders } from './helpers/daemons.ts'

const notCalled = (): never => {
  throw new Error('a part was called')
}

/** Parts that refuse every call, but for `sendDirect`, which records what it was given. */
function stubParts(sent: { to: string; text: string; priority: Priority }[]): ControlParts {
  return {
    node: { id: notCalled },
    status: { status: notCalled },
    peers: { peers: notCalled },
    inbox: { inbox: notCalled },
    outbox: { items: notCalled, failed: notCalled, flush: notCalled, discard: notCalled },
    firstMessages: { waitingItems: notCalled, discardFirstMessages: notCalled },
    envelopeTtl: 0,
    direct: {
      sendDirect: (to, text, priority) => {
        sent.push({ to, text, priority })
        return Promise.resolve({ id: 'a'.repeat(64) })
      }
    },
    groups: {
      invite: notCalled,
      createGroup: notCalled,
      addToGroup: notCalled,
      removeFromGroup: notCalled,
      sendToGroup: notCalled,
      groups: notCalled,
      group: notCalled
    }
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

describe('control protocol table', function () {
  const folders = new TestFolders()
  let server: ControlServer | undefined

  afterEach(async () => {
    await server?.stop()
    server = undefined
  })
  after(async () => {
    await folders.removeAll()
  })

  async function serve(handlers: ControlHandlers): Promise<string> {
    const path = controlSocketPath(await folders.make('qpq-methods-'))
    server = new ControlServer({ path, handlers })
    await server.start()
    return path
  }

  it('has a handler for every method of the table, and none for another', () => {
    const methods = Object.keys(CONTROL_METHODS).sort()
    expect(Object.keys(controlHandlers(stubParts([]))).sort()).to.deep.equal(methods)
    expect(Object.keys(tableHandlers(controlHandlers(stubParts([])))).sort()).to.deep.equal(methods)
  })

  it('refuses an invalid param with E_API_INVALID_REQUEST, naming the field, before the handler runs', async () => {
    const sent: { to: string; text: string; priority: Priority }[] = []
    const path = await serve(tableHandlers(controlHandlers(stubParts(sent))))
    const client = new ControlClient({ path })
    const refused: [string, Record<string, unknown>, string][] = [
      ['send', { text: 'hi' }, 'address must be a non-empty string'],
      ['send', { address: 'qpq1x', text: '' }, 'text must be a non-empty string'],
      [
        'send',
        { address: 'qpq1x', text: 'hi', priority: 'urgent' },
        'priority must be one of critical, normal, low'
      ],
      ['inbox', { after: 5 }, 'after must be the cursor of an earlier inbox page'],
      ['inbox', { after: { id: 'x' } }, 'after must be the cursor of an earlier inbox page'],
      ['outbox.clear', { ids: [1] }, 'ids must be a list of envelope ids'],
      ['outbox.clear', { ids: 'x' }, 'ids must be a list of envelope ids'],
      ['group.create', {}, 'name must be a non-empty string'],
      ['group.add', { group: 'g', members: [] }, 'members must be a non-empty list of strings'],
      ['group.remove', { group: 'g', addresses: [''] }, 'addresses must be a non-empty list of strings'],
      ['group.info', { group: 7 }, 'group must be a non-empty string']
    ]
    for (const [method, params, message] of refused) {
      // A daemon's client may not send what the table refuses: the raw call stands for another client.
      const err = await rejection(client.call(method as 'x', params))
      expect(err, method).to.be.instanceOf(RemoteError)
      expect(err, method).to.include({
        remoteName: 'InvalidRequestError',
        code: 'E_API_INVALID_REQUEST',
        message
      })
    }
    expect(sent).to.deep.equal([])
  })

  it('gives the handler checked params with their defaults, and the client a typed result', async () => {
    const sent: { to: string; text: string; priority: Priority }[] = []
    const path = await serve(tableHandlers(controlHandlers(stubParts(sent))))
    const { id } = await new ControlClient({ path }).call('send', { address: 'qpq1x', text: 'hi' })
    expect(id).to.equal('a'.repeat(64))
    expect(sent).to.deep.equal([{ to: 'qpq1x', text: 'hi', priority: 'normal' }])
  })

  it("refuses a daemon's result that does not match the table", async () => {
    const path = await serve({ status: () => Promise.resolve({ address: 'qpq1x' }) })
    const err = await rejection(new ControlClient({ path }).call('status', {}))
    expect(err).to.be.instanceOf(ControlProtocolError)
    expect(err.message).to.equal("the daemon's answer to status does not match the control protocol")
  })
})
