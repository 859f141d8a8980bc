import { MeshEngine } from './node/src/mesh/index.ts'
import { runScenario } from './sim/src/run.ts'
import { loadScenario, settingsOf } from './sim/src/scenario.ts'
const stats = new Map<string, [number, number]>()
const orig = MeshEngine.prototype.handle
MeshEngine.prototype.handle = async function (ev: any) {
  let k = ev.kind
  if (k === 'frame') { const f = ev.frame; k = 'frame:' + ['hello', 'envelopes', 'acks', 'receipts', 'offers', 'requests', 'refusals', 'moreOffers'].filter(x => f[x] !== undefined && (Array.isArray(f[x]) ? f[x].length > 0 : f[x] !== false)).join('+') }
  const t = performance.now()
  const r = await orig.call(this, ev)
  const s = stats.get(k) ?? [0, 0]; s[0]++; s[1] += performance.now() - t; stats.set(k, s)
  return r
}
const { keys, base } = await loadScenario(process.argv[2]!, {})
const t = performance.now()
await runScenario(await settingsOf(keys, base))
console.log('total', ((performance.now() - t)).toFixed(0), 'ms')
for (const [k, [n, ms]] of [...stats].sort((a, b) => b[1][1] - a[1][1])) console.log(k.padEnd(40), String(n).padStart(8), ms.toFixed(0).padStart(6), 'ms', (ms * 1000 / n).toFixed(1), 'us/ev')
