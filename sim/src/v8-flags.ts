/**
 * The V8 flags `qpq-sim` runs with (its bin's shebang) and the benchmark runs its scenarios with: a young
 * generation of one fixed size (two semi-spaces of 16 MB) from the start. The simulator allocates a few
 * kilobytes per event; left to grow from 1 MB, the young generation promotes much of it to the old one before
 * it dies, and grows up to 128 MB, whose first touch costs. Measured on the reference scenarios: 8–13 % faster
 * with spray and wait and epidemic, the same unconstrained, less peak RSS on all three. The 10,000-node week
 * pays for it (122 s against 91 s): with gigabytes live, a small young generation is collected more often.
 */
export const SIM_V8_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'] as const

/** The first line of the `qpq-sim` bin (`sim/src/cli.ts`): `env -S` splits it into node and its flags. */
export const SIM_SHEBANG = `#!/usr/bin/env -S node ${SIM_V8_FLAGS.join(' ')}`
