import type { StatusResult } from './handlers.ts'

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
    counter('qpq_delivered_total', 'Envelopes delivered to this node since it started.', status.delivered),
    counter(
      'qpq_confirmed_total',
      "This node's envelopes confirmed delivered since it started.",
      status.confirmed
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
