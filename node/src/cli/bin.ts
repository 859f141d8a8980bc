#!/usr/bin/env node
// The `qpq-node` bin: refuses an old Node.js in one line before main.ts loads modules that need a newer one.
import { runOnSupportedNode } from './supported-node.ts'

runOnSupportedNode('qpq-node', () => import('./main.ts'))
