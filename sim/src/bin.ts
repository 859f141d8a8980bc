#!/usr/bin/env -S node --min-semi-space-size=16 --max-semi-space-size=16 --heap-growing-percent=50
// The `qpq-sim` bin: refuses an old Node.js in one line before cli.ts loads modules that need a newer one.
// The flags above are cli.ts's, kept here because a bin's own first line is the one that counts.
import { runOnSupportedNode } from '../../node/src/cli/supported-node.ts'

runOnSupportedNode('qpq-sim', () => import('./cli.ts'))
