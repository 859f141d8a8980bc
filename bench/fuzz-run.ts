/**
 * `npm run fuzz [-- <count> [<seed>]]`: the fuzzer of bench/fuzz.ts over many more inputs than CI runs
 * (count and seed also from FUZZ_COUNT and FUZZ_SEED), with a progress line; exits non-zero when an input was
 * refused with an error that is not one of the project's typed errors.
 */
import { fuzz } from './fuzz.ts'
import type { FuzzResult } from './fuzz.ts'
import { Progress } from './progress.ts'

const DEFAULT_COUNT = 1_000_000
const DEFAULT_SEED = 16

function numberArgument(position: number, variable: string, fallback: number): number {
  const text = process.argv[position] ?? process.env[variable]
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${variable} must be a whole number, not "${text}"`)
  return value
}

function summary(result: FuzzResult): string {
  const { slowest } = result
  return (
    `${result.inputs} inputs, ${result.decoded} decoded, ${result.inputs - result.decoded} refused, ` +
    `${result.untyped.length} untyped; slowest ${slowest.ms.toFixed(1)} ms (${slowest.target}, ${slowest.bytes} bytes)`
  )
}

const count = numberArgument(2, 'FUZZ_COUNT', DEFAULT_COUNT)
const seed = numberArgument(3, 'FUZZ_SEED', DEFAULT_SEED)
const progress = new Progress()
progress.step(`fuzzing ${count} inputs, seed ${seed}`)
const result = await fuzz({
  count,
  seed,
  onProgress: (done, sofar) => {
    progress.update(`${Math.floor((100 * done) / count)}%  ${summary(sofar)}`)
  }
})
progress.step(summary(result))
for (const [what, times] of [...result.refused].sort()) progress.step(`  refused ${what}: ${times}`)
for (const { target, error, input } of result.untyped)
  progress.step(`  untyped ${target}: ${error} (input ${input}…)`)
process.exitCode = result.untyped.length === 0 ? 0 : 1
