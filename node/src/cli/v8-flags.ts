/**
 * The V8 flags the daemon runs with: its bin's shebang, `npm start`, and the tests and benchmarks that start it.
 *
 * A young generation of two 2 MB semi-spaces (`--max-semi-space-size=2`), not V8's default of growing to
 * 16 MB ones: what the daemon allocates per frame and per envelope dies young either way, and the larger
 * spaces only hold more garbage between scavenges, about 50 MB of RSS.
 *
 * An old generation collected once it has grown by half (`--heap-growing-percent=50`), not V8's default of
 * letting it triple while collecting is cheap: the daemon keeps 30–40 MB live, and under a hostile peer's
 * flood the old generation otherwise filled to 130 MB of garbage between collections.
 *
 * bench/RESULTS.md ("Flood") measures both: RSS and the honest rate side by side with and without a flood.
 */
export const DAEMON_V8_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=50'] as const

/** The first line of the `qpq-node` bin (`node/src/cli/bin.ts`): `env -S` splits it into node and its flags. */
export const DAEMON_SHEBANG = `#!/usr/bin/env -S node ${DAEMON_V8_FLAGS.join(' ')}`
