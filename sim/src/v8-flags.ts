/**
 * The V8 flags `qpq-sim` runs with (its bin's shebang) and the benchmark runs its scenarios with.
 *
 * A young generation of one fixed size (two semi-spaces of 16 MB) from the start: the simulator allocates a
 * few kilobytes per event; left to grow from 1 MB, the young generation promotes much of it to the old one
 * before it dies, and grows up to 128 MB, whose first touch costs. Measured on the reference scenarios: 8–13 %
 * faster with spray and wait and epidemic, the same unconstrained, less peak RSS on all three.
 *
 * An old generation collected once it has grown by half (`--heap-growing-percent=50`), not V8's default of
 * letting it double and more while it is small: what a run promotes is mostly copies that died since, and
 * collecting it early reuses pages instead of touching new ones. Measured: epidemic reference 2.26–2.39 s
 * against 2.52–2.71 s, peak RSS 170–190 MB against 225–235 MB; the 10,000-node week 99 s and 1.28 GB against
 * 98 s and 2.25 GB.
 */
export const SIM_V8_FLAGS = [
  '--min-semi-space-size=16',
  '--max-semi-space-size=16',
  '--heap-growing-percent=50'
] as const

/** The first line of the `qpq-sim` bin (`sim/src/bin.ts`): `env -S` splits it into node and its flags. */
export const SIM_SHEBANG = `#!/usr/bin/env -S node ${SIM_V8_FLAGS.join(' ')}`
