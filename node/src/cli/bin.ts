#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=50
// The `qpq-node` bin: refuses an old Node.js in one line before main.ts loads modules that need a newer one.
import { runOnSupportedNode } from './supported-node.ts'

runOnSupportedNode('qpq-node', () => import('./main.ts'))
