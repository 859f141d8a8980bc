// Compiles every .proto under node/src with protons into <name>.pb.ts beside it.
// protons names its output <name>.ts, so it writes into a scratch folder first
// and never over a hand-written module of the same name.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'

const protos = readdirSync('node/src', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.proto'))
  .map((file) => join('node/src', file))

for (const proto of protos) {
  const scratch = mkdtempSync(join(tmpdir(), 'protons-'))
  execFileSync('npx', ['protons', '--output', scratch, proto], { stdio: 'inherit' })
  const name = basename(proto, '.proto')
  // Plain Uint8Array fields accept what @noble and node:crypto return.
  const code = readFileSync(join(scratch, `${name}.ts`), 'utf8').replaceAll(
    'Uint8Array<ArrayBuffer>',
    'Uint8Array'
  )
  writeFileSync(join(dirname(proto), `${name}.pb.ts`), code)
  rmSync(scratch, { recursive: true })
}
