/**
 * The MLS working group's interoperability test vectors (test/fixtures/mls-vectors), run through ts-mls with the
 * ciphersuite this project uses: suite 1 on the node:crypto implementation (node/src/mls/suite.ts), the other
 * suites that need no optional package on ts-mls's stock implementation. See docs/mls.md (Conformance) for
 * the families that cannot run and why.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { expect } from 'chai'
import { decodeMlsMessage, encodeMlsMessage, joinGroup, makePskIndex, processMessage } from 'ts-mls'
import type { CiphersuiteImpl, CiphersuiteName, ClientState, Decoder, Encoder, MLSMessage } from 'ts-mls'
import { decodeAuthenticatedContent } from 'ts-mls/authenticatedContent.js'
import { defaultClientConfig } from 'ts-mls/clientConfig.js'
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js'
import { getCiphersuiteNameFromId } from 'ts-mls/crypto/ciphersuite.js'
import type { CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js'
import { refhash } from 'ts-mls/crypto/hash.js'
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js'
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js'
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js'
import { determineLength } from 'ts-mls/codec/variableLength.js'
import { verifyConfirmationTag } from 'ts-mls/framedContent.js'
import { decodeGroupContext, encodeGroupContext } from 'ts-mls/groupContext.js'
import { verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js'
import { decodeGroupSecrets, encodeGroupSecrets } from 'ts-mls/groupSecrets.js'
import { initializeEpoch } from 'ts-mls/keySchedule.js'
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js'
import { verifyParentHashes } from 'ts-mls/parentHash.js'
import { computePskSecret } from 'ts-mls/presharedkey.js'
import {
  decodeAdd,
  decodeExternalInit,
  decodeGroupContextExtensions,
  decodePSK,
  decodeReinit,
  decodeRemove,
  decodeUpdate,
  encodeAdd,
  encodeExternalInit,
  encodeGroupContextExtensions,
  encodePSK,
  encodeReinit,
  encodeRemove,
  encodeUpdate
} from 'ts-mls/proposal.js'
import { decodeRatchetTree, encodeRatchetTree, resolution } from 'ts-mls/ratchetTree.js'
import { createSecretTree, deriveKey, deriveNonce, ratchetUntil } from 'ts-mls/secretTree.js'
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js'
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js'
import { treeHash, treeHashRoot } from 'ts-mls/treeHash.js'
import { left, parent, right, root, sibling, toNodeIndex } from 'ts-mls/treemath.js'
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js'
import { ciphersuite } from '../node/src/mls/index.ts'

const VECTORS = join(import.meta.dirname, 'fixtures', 'mls-vectors')

/** Suites whose stock implementation needs an optional package this project does not install. */
const MISSING_PACKAGES: Partial<Record<CiphersuiteName, string>> = {
  MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448: '@hpke/dhkem-x448',
  MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448: '@hpke/dhkem-x448'
}

function load<T>(file: string): T[] {
  return JSON.parse(gunzipSync(readFileSync(join(VECTORS, `${file}.gz`))).toString('utf8')) as T[]
}

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

function decodeAll<T>(decoder: Decoder<T>, bytes: Uint8Array): T {
  const decoded = decoder(bytes, 0)
  if (decoded === undefined) throw new Error('does not decode')
  expect(decoded[1]).to.equal(bytes.length)
  return decoded[0]
}

function roundTrip<T>(decoder: Decoder<T>, encoder: Encoder<T>, text: string): void {
  expect(toHex(encoder(decodeAll(decoder, hex(text))))).to.equal(text)
}

function message(text: string): MLSMessage {
  return decodeAll(decodeMlsMessage, hex(text))
}

/** Runs `check` for each vector whose suite can run, on the implementation this project would use for it. */
async function perSuite<T extends { cipher_suite: number }>(
  vectors: T[],
  check: (vector: T, cs: CiphersuiteImpl) => Promise<void>,
  only?: (name: CiphersuiteName) => boolean
): Promise<number> {
  let ran = 0
  for (const vector of vectors) {
    const name = getCiphersuiteNameFromId(vector.cipher_suite as CiphersuiteId)
    if (MISSING_PACKAGES[name] !== undefined || (only !== undefined && !only(name))) continue
    await check(vector, await ciphersuite(name))
    ran++
  }
  expect(ran).to.be.greaterThan(0)
  return ran
}

const suiteOne = (name: CiphersuiteName): boolean => name === 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'

describe('MLS interoperability vectors', function () {
  it('tree-math: root, left, right, parent, sibling', function () {
    interface V {
      n_leaves: number
      n_nodes: number
      root: number
      left: (number | null)[]
      right: (number | null)[]
      parent: (number | null)[]
      sibling: (number | null)[]
    }
    for (const v of load<V>('tree-math.json')) {
      expect(root(v.n_leaves)).to.equal(v.root)
      for (let i = 0; i < v.n_nodes; i++) {
        const node = toNodeIndex(i)
        const isLeaf = i % 2 === 0
        if (!isLeaf) {
          expect(left(node)).to.equal(v.left[i])
          expect(right(node)).to.equal(v.right[i])
        }
        if (i !== v.root) {
          expect(parent(node, v.n_leaves)).to.equal(v.parent[i])
          expect(sibling(node, v.n_leaves)).to.equal(v.sibling[i])
        }
      }
    }
  })

  it('deserialization: variable-length vector headers', function () {
    for (const v of load<{ vlbytes_header: string; length: number }>('deserialization.json')) {
      const header = hex(v.vlbytes_header)
      const { length, lengthFieldSize } = determineLength(header)
      expect(length).to.equal(v.length)
      expect(lengthFieldSize).to.equal(header.length)
    }
  })

  it('crypto-basics: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret, Sign/Verify, Encrypt/DecryptWithLabel', async function () {
    interface V {
      cipher_suite: number
      ref_hash: { label: string; value: string; out: string }
      expand_with_label: { secret: string; label: string; context: string; length: number; out: string }
      derive_secret: { secret: string; label: string; out: string }
      derive_tree_secret: { secret: string; label: string; generation: number; length: number; out: string }
      sign_with_label: { priv: string; pub: string; content: string; label: string; signature: string }
      encrypt_with_label: {
        priv: string
        pub: string
        label: string
        context: string
        plaintext: string
        kem_output: string
        ciphertext: string
      }
    }
    await perSuite(load<V>('crypto-basics.json'), async (v, cs) => {
      expect(toHex(await refhash(v.ref_hash.label, hex(v.ref_hash.value), cs.hash))).to.equal(v.ref_hash.out)
      const e = v.expand_with_label
      expect(toHex(await expandWithLabel(hex(e.secret), e.label, hex(e.context), e.length, cs.kdf))).to.equal(
        e.out
      )
      const d = v.derive_secret
      expect(toHex(await deriveSecret(hex(d.secret), d.label, cs.kdf))).to.equal(d.out)
      const t = v.derive_tree_secret
      expect(toHex(await deriveTreeSecret(hex(t.secret), t.label, t.generation, t.length, cs.kdf))).to.equal(
        t.out
      )
      const s = v.sign_with_label
      expect(
        await verifyWithLabel(hex(s.pub), s.label, hex(s.content), hex(s.signature), cs.signature)
      ).to.equal(true)
      const own = await signWithLabel(hex(s.priv), s.label, hex(s.content), cs.signature)
      expect(await verifyWithLabel(hex(s.pub), s.label, hex(s.content), own, cs.signature)).to.equal(true)
      const x = v.encrypt_with_label
      const open = async (kemOutput: Uint8Array, ciphertext: Uint8Array): Promise<string> =>
        toHex(
          await decryptWithLabel(
            await cs.hpke.importPrivateKey(hex(x.priv)),
            x.label,
            hex(x.context),
            kemOutput,
            ciphertext,
            cs.hpke
          )
        )
      expect(await open(hex(x.kem_output), hex(x.ciphertext))).to.equal(x.plaintext)
      const sealed = await encryptWithLabel(
        await cs.hpke.importPublicKey(hex(x.pub)),
        x.label,
        hex(x.context),
        hex(x.plaintext),
        cs.hpke
      )
      expect(await open(sealed.enc, sealed.ct)).to.equal(x.plaintext)
    })
  })

  it('secret-tree: sender-data key and nonce, handshake and application keys per leaf and generation', async function () {
    interface Generation {
      generation: number
      application_key: string
      application_nonce: string
      handshake_key: string
      handshake_nonce: string
    }
    interface V {
      cipher_suite: number
      encryption_secret: string
      sender_data: { sender_data_secret: string; ciphertext: string; key: string; nonce: string }
      leaves: Generation[][]
    }
    const retention = { ...defaultClientConfig.keyRetentionConfig, maximumForwardRatchetSteps: 1 << 20 }
    await perSuite(load<V>('secret-tree.json'), async (v, cs) => {
      const sd = v.sender_data
      expect(toHex(await expandSenderDataKey(cs, hex(sd.sender_data_secret), hex(sd.ciphertext)))).to.equal(
        sd.key
      )
      expect(toHex(await expandSenderDataNonce(cs, hex(sd.sender_data_secret), hex(sd.ciphertext)))).to.equal(
        sd.nonce
      )
      const tree = await createSecretTree(v.leaves.length, hex(v.encryption_secret), cs.kdf)
      for (const [leaf, generations] of v.leaves.entries()) {
        const node = tree[leaf * 2]
        if (node === undefined) throw new Error(`no secret tree node for leaf ${leaf}`)
        // Generations rise within a leaf: ratchet on from the last one rather than from 0.
        let { application, handshake } = node
        for (const g of generations) {
          ;[application] = await ratchetUntil(application, g.generation, retention, cs.kdf)
          ;[handshake] = await ratchetUntil(handshake, g.generation, retention, cs.kdf)
          expect(toHex(await deriveKey(application.secret, g.generation, cs))).to.equal(g.application_key)
          expect(toHex(await deriveNonce(application.secret, g.generation, cs))).to.equal(g.application_nonce)
          expect(toHex(await deriveKey(handshake.secret, g.generation, cs))).to.equal(g.handshake_key)
          expect(toHex(await deriveNonce(handshake.secret, g.generation, cs))).to.equal(g.handshake_nonce)
        }
      }
    })
  })

  it('key-schedule: GroupContext encoding and every epoch secret over several epochs, external_pub', async function () {
    interface Epoch {
      tree_hash: string
      commit_secret: string
      psk_secret: string
      confirmed_transcript_hash: string
      group_context: string
      joiner_secret: string
      welcome_secret: string
      init_secret: string
      sender_data_secret: string
      encryption_secret: string
      exporter_secret: string
      epoch_authenticator: string
      external_secret: string
      confirmation_key: string
      membership_key: string
      resumption_psk: string
      external_pub: string
    }
    interface V {
      cipher_suite: number
      group_id: string
      initial_init_secret: string
      epochs: Epoch[]
    }
    await perSuite(load<V>('key-schedule.json'), async (v, cs) => {
      let initSecret = hex(v.initial_init_secret)
      for (const [epoch, e] of v.epochs.entries()) {
        const context = decodeAll(decodeGroupContext, hex(e.group_context))
        expect(toHex(context.groupId)).to.equal(v.group_id)
        expect(context.epoch).to.equal(BigInt(epoch))
        expect(toHex(context.treeHash)).to.equal(e.tree_hash)
        expect(toHex(context.confirmedTranscriptHash)).to.equal(e.confirmed_transcript_hash)
        expect(toHex(encodeGroupContext(context))).to.equal(e.group_context)
        const secrets = await initializeEpoch(
          initSecret,
          hex(e.commit_secret),
          context,
          hex(e.psk_secret),
          cs.kdf
        )
        const ks = secrets.keySchedule
        expect(toHex(secrets.joinerSecret)).to.equal(e.joiner_secret)
        expect(toHex(secrets.welcomeSecret)).to.equal(e.welcome_secret)
        expect(toHex(secrets.encryptionSecret)).to.equal(e.encryption_secret)
        expect(toHex(ks.senderDataSecret)).to.equal(e.sender_data_secret)
        expect(toHex(ks.exporterSecret)).to.equal(e.exporter_secret)
        expect(toHex(ks.epochAuthenticator)).to.equal(e.epoch_authenticator)
        expect(toHex(ks.externalSecret)).to.equal(e.external_secret)
        expect(toHex(ks.confirmationKey)).to.equal(e.confirmation_key)
        expect(toHex(ks.membershipKey)).to.equal(e.membership_key)
        expect(toHex(ks.resumptionPsk)).to.equal(e.resumption_psk)
        expect(toHex(ks.initSecret)).to.equal(e.init_secret)
        const external = await cs.hpke.deriveKeyPair(ks.externalSecret)
        expect(toHex(await cs.hpke.exportPublicKey(external.publicKey))).to.equal(e.external_pub)
        initSecret = ks.initSecret
      }
    })
  })

  it('transcript-hashes: confirmation tag, confirmed and interim transcript hashes', async function () {
    interface V {
      cipher_suite: number
      confirmation_key: string
      authenticated_content: string
      interim_transcript_hash_before: string
      confirmed_transcript_hash_after: string
      interim_transcript_hash_after: string
    }
    await perSuite(load<V>('transcript-hashes.json'), async (v, cs) => {
      const content = decodeAll(decodeAuthenticatedContent, hex(v.authenticated_content))
      if (content.content.contentType !== 'commit' || content.auth.contentType !== 'commit')
        throw new Error('the vector carries no commit')
      const confirmed = await createConfirmedHash(
        hex(v.interim_transcript_hash_before),
        { wireformat: content.wireformat, content: content.content, signature: content.auth.signature },
        cs.hash
      )
      expect(toHex(confirmed)).to.equal(v.confirmed_transcript_hash_after)
      const tag = content.auth.confirmationTag
      expect(await verifyConfirmationTag(hex(v.confirmation_key), tag, confirmed, cs.hash)).to.equal(true)
      expect(toHex(await createInterimHash(confirmed, tag, cs.hash))).to.equal(
        v.interim_transcript_hash_after
      )
    })
  })

  it('psk_secret: psk_secret from lists of external PSKs', async function () {
    interface V {
      cipher_suite: number
      psks: { psk_id: string; psk: string; psk_nonce: string }[]
      psk_secret: string
    }
    await perSuite(load<V>('psk_secret.json'), async (v, cs) => {
      const secret = await computePskSecret(
        v.psks.map((psk) => [
          { psktype: 'external' as const, pskId: hex(psk.psk_id), pskNonce: hex(psk.psk_nonce) },
          hex(psk.psk)
        ]),
        cs
      )
      expect(toHex(secret)).to.equal(v.psk_secret)
    })
  })

  it('messages: decode and re-encode every wire structure', function () {
    const structures: Record<string, [Decoder<unknown>, Encoder<never>]> = {
      mls_welcome: [decodeMlsMessage, encodeMlsMessage],
      mls_group_info: [decodeMlsMessage, encodeMlsMessage],
      mls_key_package: [decodeMlsMessage, encodeMlsMessage],
      public_message_application: [decodeMlsMessage, encodeMlsMessage],
      public_message_proposal: [decodeMlsMessage, encodeMlsMessage],
      public_message_commit: [decodeMlsMessage, encodeMlsMessage],
      private_message: [decodeMlsMessage, encodeMlsMessage],
      ratchet_tree: [decodeRatchetTree, encodeRatchetTree],
      group_secrets: [decodeGroupSecrets, encodeGroupSecrets],
      add_proposal: [decodeAdd, encodeAdd],
      update_proposal: [decodeUpdate, encodeUpdate],
      remove_proposal: [decodeRemove, encodeRemove],
      pre_shared_key_proposal: [decodePSK, encodePSK],
      re_init_proposal: [decodeReinit, encodeReinit],
      external_init_proposal: [decodeExternalInit, encodeExternalInit],
      group_context_extensions_proposal: [decodeGroupContextExtensions, encodeGroupContextExtensions],
      commit: [decodeCommit, encodeCommit]
    }
    const vectors = load<Record<string, string>>('messages.json')
    for (const v of vectors) {
      for (const [field, [decoder, encoder]] of Object.entries(structures)) {
        const text = v[field]
        if (text === undefined) throw new Error(`the vector lacks ${field}`)
        roundTrip(decoder, encoder as Encoder<unknown>, text)
      }
    }
  })

  it('welcome: decrypt GroupSecrets and GroupInfo, verify its signature and confirmation tag', async function () {
    interface V {
      cipher_suite: number
      init_priv: string
      key_package: string
      signer_pub: string
      welcome: string
    }
    await perSuite(load<V>('welcome.json'), async (v, cs) => {
      const keyPackage = message(v.key_package)
      const welcome = message(v.welcome)
      if (keyPackage.wireformat !== 'mls_key_package' || welcome.wireformat !== 'mls_welcome')
        throw new Error('unexpected message types')
      const ref = await makeKeyPackageRef(keyPackage.keyPackage, cs.hash)
      const secrets = await decryptGroupSecrets(
        await cs.hpke.importPrivateKey(hex(v.init_priv)),
        ref,
        welcome.welcome,
        cs.hpke
      )
      if (secrets === undefined) throw new Error('the Welcome has no secrets for the key package')
      const pskSecret = new Uint8Array(cs.kdf.size)
      const info = await decryptGroupInfo(welcome.welcome, secrets.joinerSecret, pskSecret, cs)
      if (info === undefined) throw new Error('the GroupInfo does not decrypt')
      expect(await verifyGroupInfoSignature(info, hex(v.signer_pub), cs.signature)).to.equal(true)
      expect(await verifyGroupInfoConfirmationTag(info, secrets.joinerSecret, pskSecret, cs)).to.equal(true)
    })
  })

  it('tree-validation: tree hashes, resolutions and parent hashes', async function () {
    interface V {
      cipher_suite: number
      tree: string
      group_id: string
      tree_hashes: string[]
      resolutions: number[][]
    }
    await perSuite(load<V>('tree-validation.json'), async (v, cs) => {
      const tree = decodeAll(decodeRatchetTree, hex(v.tree))
      for (const [i, expected] of v.tree_hashes.entries()) {
        expect(toHex(await treeHash(tree, toNodeIndex(i), cs.hash))).to.equal(expected)
      }
      for (const [i, expected] of v.resolutions.entries()) {
        expect(resolution(tree, toNodeIndex(i))).to.deep.equal(expected)
      }
      expect(await verifyParentHashes(tree, cs.hash)).to.equal(true)
    })
  })

  it('tree-operations: tree hash before and after', async function () {
    interface V {
      cipher_suite: number
      tree_before: string
      tree_after: string
      tree_hash_before: string
      tree_hash_after: string
    }
    await perSuite(load<V>('tree-operations.json'), async (v, cs) => {
      const before = decodeAll(decodeRatchetTree, hex(v.tree_before))
      const after = decodeAll(decodeRatchetTree, hex(v.tree_after))
      expect(toHex(await treeHashRoot(before, cs.hash))).to.equal(v.tree_hash_before)
      expect(toHex(await treeHashRoot(after, cs.hash))).to.equal(v.tree_hash_after)
    })
  })

  interface PassiveClient {
    cipher_suite: number
    external_psks: { psk_id: string; psk: string }[]
    key_package: string
    signature_priv: string
    encryption_priv: string
    init_priv: string
    welcome: string
    ratchet_tree: string | null
    initial_epoch_authenticator: string
    epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[]
  }

  /** Joins from the vector's Welcome, then follows each epoch's proposals and commit, checking every epoch authenticator. */
  async function passiveClient(v: PassiveClient, cs: CiphersuiteImpl): Promise<void> {
    const keyPackage = message(v.key_package)
    const welcome = message(v.welcome)
    if (keyPackage.wireformat !== 'mls_key_package' || welcome.wireformat !== 'mls_welcome')
      throw new Error('unexpected message types')
    const psks = Object.fromEntries(
      v.external_psks.map((psk) => [Buffer.from(hex(psk.psk_id)).toString('base64'), hex(psk.psk)])
    )
    let state: ClientState = await joinGroup(
      welcome.welcome,
      keyPackage.keyPackage,
      {
        initPrivateKey: hex(v.init_priv),
        hpkePrivateKey: hex(v.encryption_priv),
        signaturePrivateKey: hex(v.signature_priv)
      },
      makePskIndex(undefined, psks),
      cs,
      v.ratchet_tree === null ? undefined : decodeAll(decodeRatchetTree, hex(v.ratchet_tree)),
      undefined,
      defaultClientConfig
    )
    expect(toHex(state.keySchedule.epochAuthenticator)).to.equal(v.initial_epoch_authenticator)
    for (const epoch of v.epochs) {
      for (const proposal of [...epoch.proposals, epoch.commit]) {
        const incoming = message(proposal)
        if (incoming.wireformat !== 'mls_public_message' && incoming.wireformat !== 'mls_private_message')
          throw new Error(`unexpected ${incoming.wireformat}`)
        state = (await processMessage(incoming, state, makePskIndex(state, psks), () => 'accept', cs))
          .newState
      }
      expect(toHex(state.keySchedule.epochAuthenticator)).to.equal(epoch.epoch_authenticator)
    }
  }

  it('passive-client-welcome: join from a Welcome (tree inside or given), suite 1', async function () {
    await perSuite(load<PassiveClient>('passive-client-welcome.json'), passiveClient, suiteOne)
  })

  it('passive-client-handling-commit: join, then follow commits with many proposal mixes, suite 1', async function () {
    await perSuite(load<PassiveClient>('passive-client-handling-commit.json'), passiveClient, suiteOne)
  })

  it('passive-client-random: 200 random epochs, suite 1', async function () {
    await perSuite(load<PassiveClient>('passive-client-random.json'), passiveClient, suiteOne)
  })
})
