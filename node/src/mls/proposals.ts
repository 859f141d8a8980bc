import type { ClientState, MLSMessage, Proposal } from 'ts-mls'
import { encodeAddress } from '../identity/index.ts'
import { credentialIdentity, decodeMessage, members } from './client.ts'
import type { MlsClient } from './client.ts'
import { toHex } from '../wire/index.ts'

/** A membership change this member proposed and the committer has not committed yet. */
export type Intent = (
  { kind: 'add'; identity: string; keyPackage: string } | { kind: 'remove'; identity: string }
) & {
  /** The epoch it was last proposed in: a commit that opens a later one makes its author propose it again. */
  epoch: number
}

/** Whether two intents are the same change (the same person added, or removed). */
export function sameChange(a: Intent, b: Intent): boolean {
  return a.kind === b.kind && a.identity === b.identity
}

/** Whether the group already is as `intent` wants it: the person is in (add), or out (remove). */
export function applied(state: ClientState, intent: Intent): boolean {
  const member = members(state).some((identity) => toHex(identity) === intent.identity)
  return intent.kind === 'add' ? member : !member
}

export function describeIntent(intent: Intent): string {
  return `${intent.kind} ${encodeAddress(Buffer.from(intent.identity, 'hex'))}`
}

/** A proposal as a PublicMessage carries it: with its epoch and the leaf of the member that signed it. */
interface FoundProposal {
  proposal: Proposal
  epoch: bigint
  signer?: number
}

function proposalIn(message: MLSMessage): FoundProposal | undefined {
  if (message.wireformat !== 'mls_public_message') return undefined
  const { content } = message.publicMessage
  if (content.contentType !== 'proposal') return undefined
  const signer = content.sender.senderType === 'member' ? content.sender.leafIndex : undefined
  return { proposal: content.proposal, epoch: content.epoch, signer }
}

function identityAt(state: ClientState, leafIndex: number): string | undefined {
  const node = state.ratchetTree[leafIndex * 2]
  return node?.nodeType === 'leaf' ? toHex(credentialIdentity(node.leaf.credential)) : undefined
}

/** The person a proposal adds or removes (hex identity key); undefined for other kinds of proposal. */
function target(state: ClientState, proposal: Proposal): string | undefined {
  if (proposal.proposalType === 'add')
    return toHex(credentialIdentity(proposal.add.keyPackage.leafNode.credential))
  if (proposal.proposalType === 'remove') return identityAt(state, proposal.remove.removed)
  return undefined
}

/**
 * Why the committer refuses proposal `bytes` (an MLSMessage) that `from` (hex identity key) sent, or undefined
 * when it takes it: a PublicMessage of the current epoch whose membership tag and signature verify, signed by
 * its sender, only Add (of the group's suite) and Remove, not of the committer, not adding a member or removing
 * a stranger, and at most one change per person per commit (`taken`: the proposals already taken for it).
 */
export async function proposalRefusal(
  client: MlsClient,
  state: ClientState,
  bytes: Uint8Array,
  from: string,
  committer: string,
  taken: Uint8Array[]
): Promise<string | undefined> {
  let message: MLSMessage
  try {
    message = decodeMessage(bytes)
  } catch (err) {
    return (err as Error).message
  }
  const found = proposalIn(message)
  if (found === undefined) return 'not a proposal'
  const epoch = state.groupContext.epoch
  if (found.epoch !== epoch)
    return `of epoch ${found.epoch}, the group is at ${epoch}; its author proposes again`
  const others = taken.flatMap((other) => proposalIn(decodeMessage(other))?.proposal ?? [])
  const problem = ruleBroken(state, found, from, committer, others)
  if (problem !== undefined) return problem
  try {
    await client.takeProposal(state, message)
  } catch (err) {
    return (err as Error).message
  }
  return undefined
}

function ruleBroken(
  state: ClientState,
  { proposal, signer }: FoundProposal,
  from: string,
  committer: string,
  taken: Proposal[]
): string | undefined {
  if (signer === undefined || identityAt(state, signer) !== from) return 'signed by another than its sender'
  if (proposal.proposalType !== 'add' && proposal.proposalType !== 'remove')
    return `a ${proposal.proposalType} proposal (only add and remove are taken)`
  if (
    proposal.proposalType === 'add' &&
    proposal.add.keyPackage.cipherSuite !== state.groupContext.cipherSuite
  )
    return `an add of a key package for ${proposal.add.keyPackage.cipherSuite}`
  const person = target(state, proposal)
  if (person === undefined) return 'a removal of an empty leaf'
  if (person === committer) return 'a change to the committer'
  const member = members(state).some((identity) => toHex(identity) === person)
  if (proposal.proposalType === 'add' && member) return 'an add of a member'
  if (taken.some((other) => target(state, other) === person)) return 'a second change to the same person'
  return undefined
}
