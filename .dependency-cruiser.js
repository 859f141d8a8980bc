// `npm run cycles` (part of `npm test`): no module may import itself back through a chain of imports, type-only
// imports and `import()` included. Only this rule: the pure core's boundary is eslint.config.js's
// no-restricted-imports and test/boundary.test.ts. (dependency-cruiser rather than madge: madge 8 asks for
// TypeScript 5 as a peer, and npm refuses it beside our TypeScript 6.)
/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter and keeps the folders from being understood one at a time.',
      from: {},
      to: { circular: true }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // Count `import type` too: a cycle of types still ties two modules together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' }
  }
}
