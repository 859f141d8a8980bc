// Builds dist: tsc, then the bins made executable; leaves dist/.built, dated when the build began.
// With --if-changed (`npm start`), does nothing while dist/.built is newer than every source file, folder
// (a deleted file changes its folder's time) and build setting: tsc's incremental check alone takes 2 s.
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import process from 'node:process'

const SOURCES = [
  'node/src',
  'sim',
  'bench',
  'scripts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json'
]
const BUILT = 'dist/.built'

/** The latest modification time under `path`, in ms; 0 when it does not exist. */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))))
}

if (process.argv.includes('--if-changed') && newest(BUILT) > Math.max(...SOURCES.map(newest))) process.exit(0)

const began = new Date()
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
} catch (err) {
  process.exit(err.status ?? 1)
}
await import('./executable-bins.js')
writeFileSync(BUILT, '')
utimesSync(BUILT, began, began)
