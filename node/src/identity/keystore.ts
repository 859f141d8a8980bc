import { constants } from 'node:fs'
import { mkdir, open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { PrivateKey } from '@libp2p/interface'
import { NODE_KEY_FILE, USER_KEY_FILE } from './constants.ts'
import { IdentityExistsError, IdentityMissingError } from './errors.ts'

/** The user's signing identity. The secret key never leaves the data folder and is never logged. */
export interface UserIdentity {
  name: string
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/** Everything `qpq-node init` creates. */
export interface Identities {
  user: UserIdentity
  nodeKey: PrivateKey
}

interface UserKeyFile {
  version: 1
  name: string
  secretKey: string
}

export function generateUserIdentity(name: string): UserIdentity {
  const { secretKey, publicKey } = ed25519.keygen()
  return { name, secretKey, publicKey }
}

export async function hasIdentity(dataDir: string): Promise<boolean> {
  try {
    await readFile(join(dataDir, USER_KEY_FILE))
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/** Creates the user identity and node key in `dataDir`; refuses to replace existing ones. */
export async function createIdentities(dataDir: string, name: string): Promise<Identities> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const user = generateUserIdentity(name)
  const nodeKey = await generateKeyPair('Ed25519')
  const file: UserKeyFile = { version: 1, name, secretKey: bytesToHex(user.secretKey) }
  await writeSecretFile(join(dataDir, USER_KEY_FILE), new TextEncoder().encode(JSON.stringify(file)))
  await writeSecretFile(join(dataDir, NODE_KEY_FILE), privateKeyToProtobuf(nodeKey))
  return { user, nodeKey }
}

export async function loadIdentities(dataDir: string): Promise<Identities> {
  let userBytes: Buffer, nodeBytes: Buffer
  try {
    userBytes = await readFile(join(dataDir, USER_KEY_FILE))
    nodeBytes = await readFile(join(dataDir, NODE_KEY_FILE))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new IdentityMissingError(
        `no identity in ${dataDir} (create one with: qpq-node init --data ${dataDir})`
      )
    }
    throw err
  }
  const file = JSON.parse(userBytes.toString('utf8')) as UserKeyFile
  const secretKey = hexToBytes(file.secretKey)
  return {
    user: { name: file.name, secretKey, publicKey: ed25519.getPublicKey(secretKey) },
    nodeKey: privateKeyFromProtobuf(nodeBytes)
  }
}

/** Writes a new owner-only file; fails if it exists so a key is never silently replaced. */
async function writeSecretFile(path: string, data: Uint8Array): Promise<void> {
  let handle
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new IdentityExistsError(`${path} already exists; refusing to overwrite an identity`)
    }
    throw err
  }
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}
