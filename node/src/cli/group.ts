import type { GroupChange, ResultOf } from '../api/index.ts'
import { daemonClient, messageText } from './commands.ts'
import type { CommonOptions } from './commands.ts'
import { printJson, printLine, printTable } from './output.ts'
import type { TextSource } from './text.ts'

export async function inviteCommand(options: CommonOptions): Promise<void> {
  const { invite } = await (await daemonClient(options)).call('invite', {})
  if (options.json) printJson({ invite })
  else printLine(invite)
}

type GroupSummary = ResultOf<'group.info'>

function printGroup(group: GroupSummary): void {
  printTable(
    ['', ''],
    [
      ['name', group.name],
      ['id', group.id],
      ['epoch', String(group.epoch)],
      ['ciphersuite', group.ciphersuite],
      ['committer', group.committer],
      ...(group.removed ? [['state', 'you were removed']] : []),
      ...group.members.map((member, i) => [i === 0 ? 'members' : '', member]),
      ...group.proposed.map((change, i) => [i === 0 ? 'proposed' : '', `${change} (waits for the committer)`])
    ]
  )
}

/** One line on what `group add` or `group remove` did: committed, or proposed to the committer. */
function printChange(result: GroupChange, change: string): void {
  const { group } = result
  if (result.proposed)
    printLine(
      `${group.name}: proposed to the committer ${group.committer}; it commits ${change} when the proposal reaches it (group info shows what waits)`
    )
  else printLine(`${group.name}: epoch ${group.epoch}, ${group.members.length} members`)
}

export async function groupCreateCommand(options: CommonOptions & { name: string }): Promise<void> {
  const group = await (await daemonClient(options)).call('group.create', { name: options.name })
  if (options.json) printJson(group)
  else printGroup(group)
}

export async function groupAddCommand(
  options: CommonOptions & { group: string; members: string[] }
): Promise<void> {
  const result = await (
    await daemonClient(options)
  ).call('group.add', {
    group: options.group,
    members: options.members
  })
  if (options.json) {
    printJson(result)
    return
  }
  if (!result.proposed || result.requested.length < options.members.length) printChange(result, 'the add')
  for (const address of result.requested)
    printLine(
      `asked ${address} for a key package; ${result.proposed ? 'the add is proposed to the committer' : 'added'} when it answers`
    )
}

export async function groupRemoveCommand(
  options: CommonOptions & { group: string; addresses: string[] }
): Promise<void> {
  const result = await (
    await daemonClient(options)
  ).call('group.remove', {
    group: options.group,
    addresses: options.addresses
  })
  if (options.json) printJson(result)
  else printChange(result, 'the removal')
}

export async function groupSendCommand(
  options: CommonOptions & TextSource & { group: string }
): Promise<void> {
  const text = await messageText(options)
  const result = await (await daemonClient(options)).call('group.send', { group: options.group, text })
  if (options.json) printJson(result)
  else for (const id of result.ids) printLine(id)
}

export async function groupListCommand(options: CommonOptions): Promise<void> {
  const { groups } = await (await daemonClient(options)).call('group.list', {})
  if (options.json) {
    printJson(groups)
    return
  }
  if (groups.length === 0) {
    printLine('no groups')
    return
  }
  printTable(
    ['name', 'id', 'epoch', 'members', ''],
    groups.map((group) => [
      group.name,
      group.id,
      String(group.epoch),
      String(group.members.length),
      [group.direct ? '1:1' : '', group.removed ? 'removed' : ''].join(' ').trim()
    ])
  )
}

export async function groupInfoCommand(options: CommonOptions & { group: string }): Promise<void> {
  const group = await (await daemonClient(options)).call('group.info', { group: options.group })
  if (options.json) printJson(group)
  else printGroup(group)
}
