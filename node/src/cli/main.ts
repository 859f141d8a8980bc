import yargs from 'yargs'
import type { Argv } from 'yargs'
import { hideBin } from 'yargs/helpers'
import {
  inboxCommand,
  initCommand,
  metricsCommand,
  peersCommand,
  sendCommand,
  statusCommand
} from './commands.ts'
import type { CommonOptions } from './commands.ts'
import { EXIT_USAGE, exitStatusOf, messageOf } from './errors.ts'
import {
  groupAddCommand,
  groupCreateCommand,
  groupInfoCommand,
  groupListCommand,
  groupRemoveCommand,
  groupSendCommand,
  inviteCommand
} from './group.ts'
import { DEFAULT_ID_WAIT_SECONDS, ID_FIELDS, idCommand } from './id.ts'
import {
  ENVELOPE_ID,
  outboxClearCommand,
  outboxCommand,
  outboxFailedCommand,
  outboxFlushCommand
} from './outbox.ts'
import { printError } from './output.ts'
import { resolveDataDir } from './paths.ts'
import { FROM_STDIN } from './text.ts'

const PRIORITIES = ['critical', 'normal', 'low'] as const

/** The `[text]` argument and `--file` option of `send` and `group send`: one of the two. */
function withText<T>(command: Argv<T>) {
  return (
    command
      .positional('text', {
        type: 'string',
        describe: `the text; ${FROM_STDIN} reads it from standard input`
      })
      // yargs re-reads positionals as `--text <value>`, where a lone `-` would be taken for a flag and lost.
      .nargs('text', 1)
      .option('file', { type: 'string', describe: 'read the text from this file instead' })
      .check((argv) => {
        if ((argv.text === undefined) === (argv.file === undefined))
          return `give the text, ${FROM_STDIN} to read it from standard input, or --file <path>; one of them`
        return true
      })
  )
}

const FIX_PERMISSIONS = {
  type: 'boolean',
  describe: 'make a data folder or key file that others can read owner-only instead of refusing to use it'
} as const

/** The `<group>` argument of every group command. */
const GROUP_ARGUMENT = { type: 'string', demandOption: true, describe: 'group name or id' } as const

function common(argv: { data?: string; config?: string; json?: boolean }): CommonOptions {
  return { data: resolveDataDir(argv.data, process.env), config: argv.config, json: argv.json === true }
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('qpq-node')
    .usage(
      '$0 <command> [options]\n\nThe quicproquo mesh node: relay and client for end-to-end encrypted messages.'
    )
    .option('data', {
      type: 'string',
      describe: 'data folder (default: $QPQ_DATA, else $XDG_DATA_HOME/qpq-node)',
      global: true
    })
    .option('config', { type: 'string', describe: 'configuration file (TOML, see config/)', global: true })
    .option('json', { type: 'boolean', describe: 'print data as JSON', global: true })
    .command(
      'init',
      'create the user identity and node key',
      (command) =>
        command
          .option('name', { type: 'string', default: '', describe: 'a label for this identity' })
          .option('fix-permissions', FIX_PERMISSIONS),
      (argv) => initCommand({ ...common(argv), name: argv.name, fixPermissions: argv.fixPermissions })
    )
    .command(
      'start',
      'run the node in the foreground',
      (command) =>
        command
          .option('listen', { type: 'string', array: true, describe: 'multiaddr to listen on (repeatable)' })
          .option('bootstrap', {
            type: 'string',
            array: true,
            describe: 'multiaddr of a peer to keep in contact with'
          })
          .option('mdns', {
            type: 'boolean',
            describe: 'find peers on the LAN with mDNS (--no-mdns to turn off)'
          })
          .option('fix-permissions', FIX_PERMISSIONS)
          .option('redact-logs', {
            type: 'boolean',
            describe:
              'show peer ids, addresses and message ids in the log as short hashes, times to the minute'
          }),
      // Loaded here alone: the daemon's modules would slow every other command's start by half a second.
      async (argv) => {
        const { startCommand } = await import('./start.ts')
        await startCommand({
          ...common(argv),
          listen: argv.listen,
          bootstrap: argv.bootstrap,
          mdns: argv.mdns,
          fixPermissions: argv.fixPermissions,
          redactLogs: argv.redactLogs
        })
      }
    )
    .command(
      'id',
      "print this node's address, peer id and listen addresses (from the key files when no daemon runs)",
      (command) =>
        command
          .option('wait', {
            type: 'string',
            describe: `wait for the daemon to answer, at most this many seconds (default ${String(DEFAULT_ID_WAIT_SECONDS)})`,
            coerce: (value: string) => (value === '' ? DEFAULT_ID_WAIT_SECONDS : Number(value))
          })
          .option('field', {
            choices: ID_FIELDS,
            describe: "print only this value; multiaddr is the running daemon's first listen address"
          })
          .check((argv) => {
            const wait = argv.wait
            return (
              wait === undefined ||
              (Number.isFinite(wait) && wait > 0) ||
              '--wait takes a number of seconds greater than 0'
            )
          }),
      (argv) => idCommand({ ...common(argv), wait: argv.wait, field: argv.field })
    )
    .command(
      'send <address> [text]',
      'queue an end-to-end encrypted (MLS) message; prints its id. To someone new it waits for their key package',
      (command) =>
        withText(
          command
            .positional('address', {
              type: 'string',
              demandOption: true,
              describe:
                "the recipient's qpq1… address (with no conversation yet, the text waits on disk for their key package, asked for over the mesh), or an invite of theirs (qpqinvite1…)"
            })
            .option('priority', { choices: PRIORITIES, default: 'normal' as const })
        ),
      (argv) =>
        sendCommand({
          ...common(argv),
          address: argv.address,
          text: argv.text,
          file: argv.file,
          priority: argv.priority
        })
    )
    .command(
      'invite',
      'print an invite: your address with a one-time MLS key package, for someone to start a conversation',
      (command) => command,
      (argv) => inviteCommand(common(argv))
    )
    .command('group', 'end-to-end encrypted group conversations (MLS)', (command) =>
      command
        .command(
          'create <name>',
          'create a group; you are its committer (the one member who commits adds and removes)',
          (c) => c.positional('name', { type: 'string', demandOption: true }),
          (argv) => groupCreateCommand({ ...common(argv), name: argv.name })
        )
        .command(
          'add <group> <members..>',
          'add people: from an invite at once, from an address once its key package comes back over the mesh. From a member who is not the committer: proposed to the committer, who commits it when the proposal reaches it',
          (c) =>
            c.positional('group', GROUP_ARGUMENT).positional('members', {
              type: 'string',
              array: true,
              demandOption: true,
              describe: 'invites (qpqinvite1…) or addresses (qpq1…)'
            }),
          (argv) => groupAddCommand({ ...common(argv), group: argv.group, members: argv.members })
        )
        .command(
          'remove <group> <addresses..>',
          'remove members from a group; from a member who is not the committer: proposed to the committer',
          (c) =>
            c
              .positional('group', GROUP_ARGUMENT)
              .positional('addresses', { type: 'string', array: true, demandOption: true }),
          (argv) => groupRemoveCommand({ ...common(argv), group: argv.group, addresses: argv.addresses })
        )
        .command(
          'send <group> [text]',
          'send a message to every member of a group; prints its envelope ids',
          (c) => withText(c.positional('group', GROUP_ARGUMENT)),
          (argv) => groupSendCommand({ ...common(argv), group: argv.group, text: argv.text, file: argv.file })
        )
        .command(
          'list',
          'list your groups and 1:1 conversations',
          (c) => c,
          (argv) => groupListCommand(common(argv))
        )
        .command(
          'info <group>',
          'members, epoch and committer of a group, and your proposals that wait for the committer',
          (c) => c.positional('group', GROUP_ARGUMENT),
          (argv) => groupInfoCommand({ ...common(argv), group: argv.group })
        )
        .demandCommand(1, 'name a group command; see qpq-node group --help')
    )
    .command(
      'inbox',
      'list received messages',
      (command) => command,
      (argv) => inboxCommand(common(argv))
    )
    .command(
      'outbox',
      "list this node's pending messages; flush or clear them",
      (command) =>
        command
          .command(
            'flush',
            'try every pending message now; prints how many remain',
            (flush) => flush,
            (argv) => outboxFlushCommand(common(argv))
          )
          .command(
            'clear',
            'discard unsent messages, all or those given with --id',
            (clear) =>
              clear
                .option('id', {
                  type: 'string',
                  array: true,
                  describe: 'envelope id to discard (repeatable)'
                })
                .option('yes', { type: 'boolean', describe: 'confirm: discarded messages are not sent' })
                .check((argv) => {
                  const bad = argv.id?.find((id) => !ENVELOPE_ID.test(id))
                  if (bad !== undefined) return `--id ${bad} is not an envelope id (64 hex digits)`
                  return argv.yes === true || 'outbox clear discards messages for good; add --yes to confirm'
                }),
            (argv) => outboxClearCommand({ ...common(argv), ids: argv.id })
          )
          .option('failed', {
            type: 'boolean',
            describe: 'list the messages that failed instead: refused for good, expired or stale, and why'
          }),
      (argv) => (argv.failed === true ? outboxFailedCommand(common(argv)) : outboxCommand(common(argv)))
    )
    .command(
      'status',
      'peers, outbox and relay-store counts',
      (command) => command,
      (argv) => statusCommand(common(argv))
    )
    .command(
      'peers',
      'list connected peers',
      (command) => command,
      (argv) => peersCommand(common(argv))
    )
    .command(
      'metrics',
      'print counters and gauges in the Prometheus text format',
      (command) => command,
      (argv) => metricsCommand(common(argv))
    )
    .demandCommand(1, 'name a command; see qpq-node --help')
    .strict()
    .help()
    .fail((message, err: unknown) => {
      // A handler's error; a `.check()` that returns a string passes that string as `err`.
      if (err instanceof Error) throw err
      printError(`${message} (see qpq-node --help)`)
      process.exit(EXIT_USAGE)
    })
    .parseAsync()
}

main().catch((err: unknown) => {
  printError(messageOf(err))
  process.exit(exitStatusOf(err))
})
