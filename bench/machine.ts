import { cpus, loadavg, release, totalmem, type, version } from 'node:os'

const GIB = 1024 ** 3

/** What the figures were measured on, as markdown list items. */
export function describeMachine(): string[] {
  const processors = cpus()
  const model = processors[0]?.model.trim() ?? 'unknown CPU'
  return [
    `- CPU: ${model}, ${processors.length} logical CPU(s)`,
    `- RAM: ${(totalmem() / GIB).toFixed(1)} GiB`,
    `- OS: ${type()} ${release()} (${version()}), ${process.arch}`,
    `- Node.js: ${process.version}`,
    `- load average when the bench started (1 min): ${loadavg()[0]?.toFixed(2) ?? 'n/a'}`
  ]
}
