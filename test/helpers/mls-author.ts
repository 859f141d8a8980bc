import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { composeMlsEnvelopes } from '../../node/src/daemon/index.ts'
import { generateUserIdentity } from '../../node/src/identity/index.ts'
import { credentialIdentity, decodeInvite, MlsService } from '../../node/src/mls/index.ts'
import type { Outgoing } from '../../node/src/mls/index.ts'
import { invite } from './daemons.ts'
import type { TestDaemon } from './daemons.ts'

/**
 * A sender outside any daemon that speaks MLS to one daemon's user: the first text starts the 1:1 group from
 * an invite of theirs, the next ones travel in it. For tests that push envelopes over a raw mesh stream.
 */
export class MlsAuthor {
  private first = true

  private constructor(
    private readonly dir: string,
    private readonly service: MlsService,
    private readonly invite: string
  ) {}

  /** Takes an invite from `recipient`, which must be running. */
  static async to(recipient: TestDaemon, name: string): Promise<MlsAuthor> {
    const recipientInvite = await invite(recipient)
    const dir = await mkdtemp(join(tmpdir(), 'qpq-mls-author-'))
    const service = await MlsService.open(join(dir, 'mls'), generateUserIdentity(name))
    return new MlsAuthor(dir, service, recipientInvite)
  }

  /** One envelope's content bytes per text, in order. */
  async envelopes(texts: string[], maxPayloadBytes = 262_144): Promise<Uint8Array[]> {
    const keyPackage = decodeInvite(this.invite)
    const recipientKey = credentialIdentity(keyPackage.leafNode.credential)
    const outgoing: Outgoing[] = []
    for (const text of texts) {
      const sent = await this.service.sendDirect(
        recipientKey,
        text,
        Date.now(),
        'normal',
        this.first ? keyPackage : undefined
      )
      if (!('outgoing' in sent)) throw new Error('the author has no group with the recipient')
      this.first = false
      outgoing.push(...sent.outgoing)
    }
    return composeMlsEnvelopes(outgoing, { now: Date.now(), ttl: 3_600_000, maxPayloadBytes }).map(
      ({ content }) => content
    )
  }

  async close(): Promise<void> {
    await this.service.close()
    await rm(this.dir, { recursive: true, force: true })
  }
}
