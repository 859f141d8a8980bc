import type { StatusResult } from '../api/methods.ts'

interface Metric {
  name: string
  help: string
  type: 'gauge' | 'counter'
  samples: { labels?: Record<string, string>; value: number }[]
}

/**
 * The daemon's status in the Prometheus text format, e.g. for node_exporter's
 * textfile collector: `qpq-node metrics > /var/lib/node_exporter/qpq.prom`.
 */
export function prometheusText(status: StatusResult): string {
  const single =
    (type: Metric['type']) =>
    (name: string, help: string, value: number): Metric => ({ name, help, type, samples: [{ value }] })
  const gauge = single('gauge')
  const counter = single('counter')
  const metrics: Metric[] = [
    gauge('qpq_connected_peers', 'Peers with an open libp2p connection.', status.connectedPeers),
    gauge('qpq_mesh_contacts', 'Peers with an open mesh stream.', status.meshContacts),
    gauge('qpq_outbox_envelopes', "This node's envelopes not yet known to be delivered.", status.outbox),
    gauge('qpq_relay_envelopes', "Other nodes' envelopes held for forwarding.", status.relay),
    gauge('qpq_relay_bytes', "Bytes of other nodes' envelopes held for forwarding.", status.relayBytes),
    gauge('qpq_receipts', 'Delivery receipts kept until their envelopes expire.', status.receipts),
    gauge(
      'qpq_receipt_hints',
      'Receipts this node could not verify, kept in memory as hints.',
      status.engineHeld.receiptHints
    ),
    {
      name: 'qpq_mesh_held_ids',
      help: 'Ids the mesh engine holds for its contacts, by kind (wanted, requested, unacknowledged).',
      type: 'gauge',
      samples: (['wanted', 'requested', 'unacknowledged'] as const).map((kind) => ({
        labels: { kind },
        value: status.engineHeld[kind]
      }))
    },
    gauge('qpq_inbox_messages', 'Messages in the inbox.', status.inbox),
    gauge(
      'qpq_outbox_failed_messages',
      "This node's failed messages kept for qpq-node outbox --failed.",
      status.failed
    ),
    {
      name: 'qpq_resident_bytes',
      help: 'Resident memory of the daemon process, labelled with the malloc serving it.',
      type: 'gauge',
      samples: [{ labels: { allocator: status.allocator }, value: status.residentBytes }]
    },
    gauge('qpq_banned_peers', 'Peers refused now for misbehaving.', status.bannedNow),
    counter('qpq_bans_total', 'Peers banned for misbehaving since start.', status.bansTotal),
    counter(
      'qpq_silent_connections_closed_total',
      'Connections closed for opening no mesh stream within the silent timeout, since start.',
      status.silentClosed
    ),
    counter(
      'qpq_connections_pruned_total',
      'Connections closed to make room for a newer one, since start.',
      status.pruned
    ),
    counter(
      'qpq_reads_paused_total',
      'Times a peer was not read from because it did not read what it was sent, since start.',
      status.readsPaused
    ),
    counter('qpq_delivered_total', 'Envelopes delivered to this node since it started.', status.delivered),
    counter(
      'qpq_confirmed_total',
      "This node's envelopes confirmed delivered since it started.",
      status.confirmed
    ),
    counter(
      'qpq_malformed_frames_total',
      'Frames from peers that did not decode, dropped, since start.',
      status.malformedFrames
    ),
    {
      name: 'qpq_dropped_total',
      help: 'Envelopes dropped or refused since start, by reason.',
      type: 'counter',
      samples: Object.entries(status.droppedByReason).map(([reason, value]) => ({
        labels: { reason },
        value
      }))
    },
    {
      name: 'qpq_outbox_failed_total',
      help: "This node's messages that failed (left the outbox undelivered) since start, by reason.",
      type: 'counter',
      samples: Object.entries(status.failedByReason).map(([reason, value]) => ({ labels: { reason }, value }))
    },
    gauge(
      'qpq_mls_pending_messages',
      'MLS messages kept for a later epoch or a group whose Welcome has not arrived.',
      status.mls.pendingMessages
    ),
    gauge('qpq_mls_pending_bytes', 'Bytes of MLS messages kept for a later epoch.', status.mls.pendingBytes),
    gauge(
      'qpq_mls_unanswered_strangers',
      "1:1 groups started from strangers' first texts that they have not answered.",
      status.mls.unansweredStrangers
    ),
    {
      name: 'qpq_mls_quota_total',
      help: 'What the MLS quotas refused or evicted since start, by reason.',
      type: 'counter',
      samples: Object.entries(status.mls.quota).map(([reason, value]) => ({ labels: { reason }, value }))
    },
    ...(status.directory === undefined
      ? []
      : [
          gauge(
            'qpq_directory_identities',
            'Identities in the key-package directory.',
            status.directory.identities
          ),
          gauge(
            'qpq_directory_key_packages',
            'Key packages in the key-package directory.',
            status.directory.keyPackages
          ),
          counter(
            'qpq_directory_evicted_total',
            'Identities evicted from the key-package directory for its identity limit since start.',
            status.directory.evicted
          )
        ]),
    {
      name: 'qpq_refused_total',
      help: 'Envelopes refused for a quota or a full store since start, by the peer that offered them.',
      type: 'counter',
      samples: Object.entries(status.refusedByPeer).map(([peer, value]) => ({ labels: { peer }, value }))
    }
  ]
  return metrics
    .flatMap(({ name, help, type, samples }) => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} ${type}`,
      ...samples.map(({ labels, value }) => `${name}${formatLabels(labels)} ${value}`)
    ])
    .join('\n')
    .concat('\n')
}

function formatLabels(labels: Record<string, string> | undefined): string {
  if (labels === undefined) return ''
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value.replace(/["\\\n]/g, '_')}"`)
  return `{${pairs.join(',')}}`
}
