import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ControlClient } from '../api/index.ts'
import { loadConfig } from '../config/index.ts'
import type { DeepPartial, NodeConfig } from '../config/index.ts'
import { secureDataFolder } from '../daemon/data-folder.ts'
import type { InboxMessage } from '../daemon/index.ts'
import { createIdentities, encodeAddress, decodeAddress } from '../identity/index.ts'
import { isInvite } from '../mls/invite-text.ts'
import type { Priority } from '../wire/index.ts'
import { configuredSocketPath } from './paths.ts'
import { readText } from './text.ts'
import type { TextSource } from './text.ts'
import { megabytes, printJson, printLine, printTable, printText } from './output.ts'

export interface CommonOptions {
  data: string
  config?: string
  json: boolean
}

export interface DataFolderOptions {
  /** Take group and other permissions from the data folder and its key files instead of refusing them. */
  fixPermissions?: boolean
}

export async function loadNodeConfig(
  options: CommonOptions,
  overrides?: DeepPartial<NodeConfig>
): Promise<NodeConfig> {
  return loadConfig({ file: options.config, env: process.env, overrides })
}

/** The text of `send` or `group send`, within the configuration's `envelope.max_payload_bytes`. */
export async function messageText(options: CommonOptions & TextSource): Promise<string> {
  const config = await loadNodeConfig(options)
  return readText(options, config.envelope.maxPayloadBytes)
}

/** A client of the daemon running on `options.data`'s control socket; its calls are typed by the protocol table. */
export async function daemonClient(options: CommonOptions): Promise<ControlClient> {
  const config = await loadNodeConfig(options)
  return new ControlClient({
    path: configuredSocketPath(options.data, config.control.socket),
    dataDir: options.data
  })
}

/** Makes the data folder owner-only and tells the user what that took (nothing when it already was). */
export async function secureData(options: CommonOptions & DataFolderOptions): Promise<void> {
  const { created, fixed } = await secureDataFolder(options.data, {
    fixPermissions: options.fixPermissions === true
  })
  if (options.json) return
  if (created) printLine(`made the data folder ${options.data}, owner-only (0700)`)
  if (fixed > 0)
    printLine(
      `made ${fixed} ${fixed === 1 ? 'file or folder' : 'files and folders'} in ${options.data} owner-only`
    )
}

export async function initCommand(
  options: CommonOptions & DataFolderOptions & { name: string }
): Promise<void> {
  await secureData(options)
  const { user, nodeKey } = await createIdentities(options.data, options.name)
  const result = { address: encodeAddress(user.publicKey), peerId: peerIdFromPrivateKey(nodeKey).toString() }
  if (options.json) {
    printJson(result)
    return
  }
  printLine(`created a new identity in ${options.data}`)
  printLine(`address  ${result.address}`)
  printLine(`peer id  ${result.peerId}`)
}

export async function sendCommand(
  options: CommonOptions & TextSource & { address: string; priority: Priority }
): Promise<void> {
  if (!isInvite(options.address)) decodeAddress(options.address)
  const text = await messageText(options)
  const client = await daemonClient(options)
  const { id } = await client.call('send', {
    address: options.address,
    text,
    priority: options.priority
  })
  if (options.json) printJson({ id })
  else printLine(id)
}

/** Pages read at most: a million messages. */
const MAX_INBOX_PAGES = 1000

export async function inboxCommand(options: CommonOptions): Promise<void> {
  const messages: InboxMessage[] = []
  const client = await daemonClient(options)
  let page = await client.call('inbox', {})
  messages.push(...page.messages)
  for (let read = 1; page.next !== undefined && read < MAX_INBOX_PAGES; read++) {
    page = await client.call('inbox', { after: page.next })
    messages.push(...page.messages)
  }
  if (options.json) {
    printJson(messages)
    return
  }
  if (messages.length === 0) {
    printLine('the inbox is empty')
    return
  }
  printTable(
    ['received', 'from', 'group', 'text'],
    messages.map((message) => [
      new Date(message.receivedAt).toISOString(),
      message.from,
      message.group ?? '',
      message.text
    ])
  )
}

export async function statusCommand(options: CommonOptions): Promise<void> {
  const status = await (await daemonClient(options)).call('status', {})
  if (options.json) {
    printJson(status)
    return
  }
  printTable(
    ['', ''],
    [
      ['address', status.address],
      ['peer id', status.peerId],
      ['connected peers', String(status.connectedPeers)],
      ['mesh contacts', String(status.meshContacts)],
      ['outbox', String(status.outbox)],
      ['relay store', `${status.relay} envelopes, ${status.relayBytes} bytes`],
      ['receipts', String(status.receipts)],
      ['receipt hints', String(status.engineHeld.receiptHints)],
      [
        'ids held for contacts',
        `${status.engineHeld.wanted} wanted, ${status.engineHeld.requested} requested, ${status.engineHeld.unacknowledged} unacknowledged`
      ],
      ['inbox', String(status.inbox)],
      ['resident memory', `${megabytes(status.residentBytes)} (${status.allocator} malloc)`],
      ['delivered since start', String(status.delivered)],
      ['confirmed since start', String(status.confirmed)],
      ['dropped since start', String(status.dropped)],
      ...Object.entries(status.droppedByReason).map(([reason, count]) => [`  ${reason}`, String(count)]),
      ...Object.entries(status.refusedByPeer).map(([peer, count]) => [`refused from ${peer}`, String(count)]),
      ['malformed frames since start', String(status.malformedFrames)],
      [
        'failed since start',
        String(Object.values(status.failedByReason).reduce((sum, count) => sum + count, 0))
      ],
      ...Object.entries(status.failedByReason).map(([reason, count]) => [`  ${reason}`, String(count)]),
      ['failed kept', `${status.failed} (qpq-node outbox --failed)`],
      ['banned peers', `${status.bannedNow} now, ${status.bansTotal} since start`],
      ['silent connections closed', String(status.silentClosed)],
      ['connections pruned', String(status.pruned)],
      ['reads paused for backpressure', String(status.readsPaused)],
      ['mls pending', `${status.mls.pendingMessages} messages, ${status.mls.pendingBytes} bytes`],
      ['unanswered strangers', String(status.mls.unansweredStrangers)],
      ...Object.entries(status.mls.quota).map(([reason, count]) => [`  ${reason}`, String(count)]),
      ...(status.directory === undefined
        ? []
        : [
            [
              'key-package directory',
              `${status.directory.identities} identities, ${status.directory.keyPackages} key packages, ` +
                `${status.directory.evicted} evicted`
            ]
          ])
    ]
  )
}

export async function metricsCommand(options: CommonOptions): Promise<void> {
  const { text } = await (await daemonClient(options)).call('metrics', {})
  printText(text)
}

export async function peersCommand(options: CommonOptions): Promise<void> {
  const { peers } = await (await daemonClient(options)).call('peers', {})
  if (options.json) {
    printJson(peers)
    return
  }
  if (peers.length === 0) {
    printLine('no peers connected')
    return
  }
  printTable(
    ['peer id', 'mesh', 'addresses'],
    peers.map((peer) => [peer.peerId, peer.mesh ? 'yes' : 'no', peer.addresses.join(' ')])
  )
}
