import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  createProposal,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultKeyPackageEqualityConfig,
  defaultLifetime,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  processMessage
} from 'ts-mls'
import type {
  AuthenticationService,
  CiphersuiteImpl,
  ClientConfig,
  ClientState,
  Credential,
  KeyPackage,
  MLSMessage,
  PrivateKeyPackage,
  Proposal
} from 'ts-mls'
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js'
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js'
import { MlsRejectedError } from './errors.ts'
import { ciphersuite } from './suite.ts'

/** The user's Ed25519 identity: the same key signs MLS leaves, so a member's credential is its address. */
export interface MlsIdentity {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/** Past epochs whose receiver secrets are kept, to read messages that arrive after a later commit. */
export const RETAINED_EPOCHS = 4

export interface KeyPackageBundle {
  keyPackage: KeyPackage
  privatePackage: PrivateKeyPackage
  /** KeyPackageRef (RFC 9420 §5.2), how a Welcome names the key package it is for. */
  ref: Uint8Array
}

export type Received =
  | { kind: 'application'; state: ClientState; plaintext: Uint8Array; sender: Uint8Array }
  | { kind: 'commit'; state: ClientState }

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

/** A basic credential is accepted only when it names the very key that signs for the leaf. */
const identityBoundCredentials: AuthenticationService = {
  validateCredential(credential, signaturePublicKey) {
    return Promise.resolve(
      credential.credentialType === 'basic' && equalBytes(credential.identity, signaturePublicKey)
    )
  }
}

/** Generations a receiver may skip ahead, and keeps the skipped keys of, per sender and epoch. */
const MAX_SKIPPED_GENERATIONS = 1000

export const clientConfig: ClientConfig = {
  keyRetentionConfig: {
    // A burst (say a thousand first messages sent when a key package arrives) leaves in envelopes that relays
    // may pass on in any order: the keys of every skipped generation a sender may jump are kept until used.
    retainKeysForGenerations: MAX_SKIPPED_GENERATIONS,
    retainKeysForEpochs: RETAINED_EPOCHS,
    maximumForwardRatchetSteps: MAX_SKIPPED_GENERATIONS
  },
  lifetimeConfig: defaultLifetimeConfig,
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: defaultPaddingConfig,
  authService: identityBoundCredentials
}

/** The identity key a leaf's credential names. */
export function credentialIdentity(credential: Credential): Uint8Array {
  if (credential.credentialType !== 'basic') throw new MlsRejectedError('member without a basic credential')
  return credential.identity
}

/**
 * One user's MLS operations over ts-mls: every function takes a group state and returns the next one; the
 * caller persists it. Secrets a step used up are zeroed before returning.
 */
export class MlsClient {
  private readonly credential: Credential

  constructor(
    private readonly identity: MlsIdentity,
    readonly suite: CiphersuiteImpl
  ) {
    this.credential = { credentialType: 'basic', identity: identity.publicKey }
  }

  async createKeyPackage(): Promise<KeyPackageBundle> {
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      this.credential,
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: this.identity.secretKey, publicKey: this.identity.publicKey },
      this.suite
    )
    return { keyPackage: publicPackage, privatePackage, ref: await this.keyPackageRef(publicPackage) }
  }

  keyPackageRef(keyPackage: KeyPackage): Promise<Uint8Array> {
    return makeKeyPackageRef(keyPackage, this.suite.hash)
  }

  createGroup(groupId: Uint8Array, bundle: KeyPackageBundle): Promise<ClientState> {
    return createGroup(groupId, bundle.keyPackage, bundle.privatePackage, [], this.suite, clientConfig)
  }

  /** Add proposals for `keyPackages`, checked to be of this suite. */
  addProposals(keyPackages: KeyPackage[]): Proposal[] {
    return keyPackages.map((keyPackage) => {
      if (keyPackage.cipherSuite !== this.suite.name)
        throw new MlsRejectedError(`key package for ${keyPackage.cipherSuite}, group uses ${this.suite.name}`)
      return { proposalType: 'add', add: { keyPackage } }
    })
  }

  /** Commits adding `keyPackages` (checked first); the Welcome carries the ratchet tree. */
  async add(
    state: ClientState,
    keyPackages: KeyPackage[]
  ): Promise<{ state: ClientState; commit: Uint8Array; welcome: Uint8Array }> {
    const result = await this.commit(state, this.addProposals(keyPackages))
    if (result.welcome === undefined)
      throw new MlsRejectedError('a commit adding members produced no Welcome')
    return { state: result.state, commit: result.commit, welcome: result.welcome }
  }

  /** Commits removing the members with these identity keys. */
  async remove(
    state: ClientState,
    identities: Uint8Array[]
  ): Promise<{ state: ClientState; commit: Uint8Array }> {
    const { state: next, commit } = await this.commit(state, removeProposals(state, identities))
    return { state: next, commit }
  }

  /**
   * A commit of `proposals` (empty: a key update) and of every proposal `state` holds (by reference), as a
   * PrivateMessage; a Welcome when it adds members.
   */
  async commit(
    state: ClientState,
    proposals: Proposal[]
  ): Promise<{ state: ClientState; commit: Uint8Array; welcome?: Uint8Array }> {
    const result = await createCommit(
      { state, cipherSuite: this.suite, pskIndex: emptyPskIndex },
      { extraProposals: proposals, ratchetTreeExtension: true }
    )
    zeroAll(result.consumed)
    return {
      state: result.newState,
      commit: encodeMlsMessage(result.commit),
      welcome:
        result.welcome === undefined
          ? undefined
          : encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome })
    }
  }

  /**
   * `proposal` signed by this member in `state`'s epoch, as a PublicMessage (the caller encrypts it inside an
   * application message). `state` is left as it was: ts-mls would refuse application messages from a member
   * holding its own unapplied proposal, and the proposal comes back with the commit that includes it.
   */
  async propose(state: ClientState, proposal: Proposal): Promise<Uint8Array> {
    const { message } = await createProposal(state, true, proposal, this.suite)
    return encodeMlsMessage(message)
  }

  /**
   * Verifies a member's proposal (a PublicMessage of `state`'s epoch: membership tag, signature) and keeps it
   * among the proposals the next commit includes by reference.
   */
  async takeProposal(state: ClientState, message: MLSMessage): Promise<ClientState> {
    if (
      message.wireformat !== 'mls_public_message' ||
      message.publicMessage.content.contentType !== 'proposal' ||
      message.publicMessage.content.sender.senderType !== 'member'
    )
      throw new MlsRejectedError('not a proposal from a member')
    try {
      return (await processMessage(message, state, emptyPskIndex, acceptAll, this.suite)).newState
    } catch (err) {
      throw new MlsRejectedError(`proposal refused: ${(err as Error).message}`)
    }
  }

  /** Joins from a Welcome addressed to one of `bundles`; `undefined` when none of them is named in it. */
  async join(
    welcome: MLSMessage,
    bundles: (ref: Uint8Array) => KeyPackageBundle | undefined
  ): Promise<{ state: ClientState; used: KeyPackageBundle } | undefined> {
    if (welcome.wireformat !== 'mls_welcome') throw new MlsRejectedError('not a Welcome')
    for (const secrets of welcome.welcome.secrets) {
      const bundle = bundles(secrets.newMember)
      if (bundle === undefined) continue
      try {
        const state = await joinGroup(
          welcome.welcome,
          bundle.keyPackage,
          bundle.privatePackage,
          emptyPskIndex,
          this.suite,
          undefined,
          undefined,
          clientConfig
        )
        return { state, used: bundle }
      } catch (err) {
        throw new MlsRejectedError(`Welcome refused: ${(err as Error).message}`)
      }
    }
    return undefined
  }

  async encrypt(
    state: ClientState,
    plaintext: Uint8Array
  ): Promise<{ state: ClientState; message: Uint8Array }> {
    const result = await createApplicationMessage(state, plaintext, this.suite)
    zeroAll(result.consumed)
    return {
      state: result.newState,
      message: encodeMlsMessage({
        version: 'mls10',
        wireformat: 'mls_private_message',
        privateMessage: result.privateMessage
      })
    }
  }

  /**
   * Reads a group message (application or commit) in `state`'s epoch or a retained earlier one. ts-mls checks
   * an application message's signature with the key of the leaf its encrypted sender data names, but does not
   * say which leaf that was; since a credential here is the very key that signs, the sender is the key whose
   * signature verified (an application message carries exactly one).
   */
  async receive(
    state: ClientState,
    message: MLSMessage,
    acceptCommitFrom: (identity: Uint8Array) => boolean = () => true
  ): Promise<Received> {
    if (message.wireformat !== 'mls_private_message' && message.wireformat !== 'mls_public_message') {
      throw new MlsRejectedError(`not a group message: ${message.wireformat}`)
    }
    let verifiedKey: Uint8Array | undefined
    const { signature } = this.suite
    const suite: CiphersuiteImpl = {
      ...this.suite,
      signature: {
        ...signature,
        async verify(publicKey, content, signed) {
          const ok = await signature.verify(publicKey, content, signed)
          if (ok) verifiedKey = publicKey
          return ok
        }
      }
    }
    let refused: string | undefined
    let result
    try {
      result = await processMessage(
        message,
        state,
        emptyPskIndex,
        (incoming) => {
          if (incoming.kind !== 'commit') {
            refused = 'a proposal outside an application message'
            return 'reject'
          }
          const node =
            incoming.senderLeafIndex === undefined
              ? undefined
              : state.ratchetTree[incoming.senderLeafIndex * 2]
          if (node?.nodeType === 'leaf' && acceptCommitFrom(credentialIdentity(node.leaf.credential)))
            return 'accept'
          refused = 'a commit from a member who is not the committer'
          return 'reject'
        },
        suite
      )
    } catch (err) {
      throw new MlsRejectedError(`group message refused: ${(err as Error).message}`)
    }
    zeroAll(result.consumed)
    if (refused !== undefined) throw new MlsRejectedError(`group message refused: ${refused}`)
    if (result.kind === 'newState') return { kind: 'commit', state: result.newState }
    if (message.wireformat !== 'mls_private_message')
      throw new MlsRejectedError('application data in the clear')
    if (verifiedKey === undefined)
      throw new MlsRejectedError('application message without a verified signature')
    return { kind: 'application', state: result.newState, plaintext: result.message, sender: verifiedKey }
  }
}

/** Wipes secrets a step used up (ts-mls's own `zeroOutUint8Array` overwrites with fresh random bytes, dearly). */
function zeroAll(secrets: Uint8Array[]): void {
  for (const secret of secrets) secret.fill(0)
}

/** The identity keys of the group's members, in leaf order. */
export function members(state: ClientState): Uint8Array[] {
  return state.ratchetTree.flatMap((node) =>
    node?.nodeType === 'leaf' ? [credentialIdentity(node.leaf.credential)] : []
  )
}

/** Remove proposals for the members with these identity keys. */
export function removeProposals(state: ClientState, identities: Uint8Array[]): Proposal[] {
  return identities.map((identity) => {
    const leafIndex = leafIndexOf(state, identity)
    if (leafIndex === undefined) throw new MlsRejectedError('not a member of this group')
    return { proposalType: 'remove', remove: { removed: leafIndex } }
  })
}

function leafIndexOf(state: ClientState, identity: Uint8Array): number | undefined {
  const at = state.ratchetTree.findIndex(
    (node) => node?.nodeType === 'leaf' && equalBytes(credentialIdentity(node.leaf.credential), identity)
  )
  return at === -1 ? undefined : at / 2
}

export function decodeMessage(bytes: Uint8Array): MLSMessage {
  let decoded
  try {
    decoded = decodeMlsMessage(bytes, 0)
  } catch {
    // ts-mls's decoders throw on some truncations instead of returning undefined.
    throw new MlsRejectedError('malformed MLS message')
  }
  if (decoded?.[1] !== bytes.length) throw new MlsRejectedError('malformed MLS message')
  return decoded[0]
}

export function encodeKeyPackage(keyPackage: KeyPackage): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage })
}

/** Largest encoded key package taken from elsewhere: one of the X-Wing suite is about 2.6 KiB. */
export const MAX_KEY_PACKAGE_BYTES = 4096

/** A key package that passed {@link verifiedKeyPackage}: whose it is, and until when it may be used. */
export interface VerifiedKeyPackage {
  /** The Ed25519 identity key its credential names and its signatures verify under. */
  identity: Uint8Array
  /** End of its lifetime, in Unix milliseconds (capped at the largest safe integer). */
  notAfter: number
  keyPackage: KeyPackage
}

/**
 * `bytes` as a key package anyone may hand on, checked in full: at most {@link MAX_KEY_PACKAGE_BYTES}, an
 * MLS 1.0 key package of a ciphersuite with Ed25519 signatures that this node implements, a basic credential
 * naming the leaf's own signature key, leaf and key package signatures valid under that key, distinct init
 * and encryption keys, and `now` (Unix ms) within its lifetime. `undefined` for anything else.
 */
export async function verifiedKeyPackage(
  bytes: Uint8Array,
  now: number
): Promise<VerifiedKeyPackage | undefined> {
  if (bytes.length > MAX_KEY_PACKAGE_BYTES) return undefined
  try {
    const keyPackage = decodeKeyPackage(bytes)
    const { leafNode } = keyPackage
    if (!keyPackage.cipherSuite.endsWith('_Ed25519')) return undefined
    if (
      !(await identityBoundCredentials.validateCredential(leafNode.credential, leafNode.signaturePublicKey))
    )
      return undefined
    if (equalBytes(keyPackage.initKey, leafNode.hpkePublicKey)) return undefined
    const seconds = BigInt(Math.floor(now / 1000))
    const { notBefore, notAfter } = leafNode.lifetime
    if (notBefore > seconds || notAfter < seconds) return undefined
    const { signature } = await ciphersuite(keyPackage.cipherSuite)
    if (!(await verifyLeafNodeSignatureKeyPackage(leafNode, signature))) return undefined
    if (!(await verifyKeyPackage(keyPackage, signature))) return undefined
    return {
      identity: leafNode.signaturePublicKey,
      notAfter: Math.min(Number(notAfter) * 1000, Number.MAX_SAFE_INTEGER),
      keyPackage
    }
  } catch {
    // Malformed input, a suite ts-mls does not know, or a key the signature scheme cannot even parse.
    return undefined
  }
}

export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  const message = decodeMessage(bytes)
  if (message.wireformat !== 'mls_key_package') throw new MlsRejectedError('not a key package')
  return message.keyPackage
}

export function encodeState(state: ClientState): Uint8Array {
  return encodeGroupState(state)
}

export function decodeState(bytes: Uint8Array): ClientState {
  const decoded = decodeGroupState(bytes, 0)
  if (decoded === undefined) throw new MlsRejectedError('stored group state does not decode')
  return { ...decoded[0], clientConfig }
}
