import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The pure core (issue 17): the engine (node/src/mesh), its queue (node/src/queue), the wire format
// (node/src/wire), the leaf files the simulator takes from elsewhere, and the simulator itself never touch
// the world. test/boundary.test.ts checks the same transitively, from every module of sim/src.
const WORLD = [
  { regex: '^(libp2p|@libp2p/.*|@chainsafe/.*)$', message: 'libp2p belongs in node/src/transport.' },
  { regex: '^(classic-level|level)(/.*)?$', message: 'LevelDB belongs in node/src/storage.' },
  {
    regex: '^(node:)?(net|timers)(/.*)?$',
    message: 'the core opens no sockets and takes time from an injected clock.'
  },
  {
    regex: '^(\\.\\./)+(node/src/)?(transport[^/]*|storage|daemon|api)(/|$)',
    message: 'the core never loads the folders that do I/O (transport, storage, daemon, api).'
  }
]
const FILES = {
  regex: '^(node:)?fs(/.*)?$',
  message: 'the core reads no files: the daemon or the CLI hands it what it needs.'
}
// The simulator's modules that read scenario and trace files and write reports (its CLI): files, but nothing else.
const SIM_FILE_MODULES = ['sim/src/bin.ts', 'sim/src/cli.ts', 'sim/src/run.ts', 'sim/src/scenario.ts']

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'node/src/**/*.pb.ts', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['eslint.config.js', '.dependency-cruiser.js', 'scripts/*.js']
        },
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Interfaces such as MeshStore are async; an in-memory implementation has nothing to await.
      '@typescript-eslint/require-await': 'off'
    }
  },
  {
    files: ['node/src/cli/**', 'bench/**', 'sim/**'],
    rules: { 'no-console': 'off' }
  },
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-expressions': 'off'
    }
  },
  {
    files: [
      'node/src/mesh/**/*.ts',
      'node/src/queue/**/*.ts',
      'node/src/wire/**/*.ts',
      'node/src/identity/constants.ts',
      'node/src/cli/supported-node.ts',
      'node/src/qpq-error.ts',
      'sim/src/**/*.ts'
    ],
    ignores: SIM_FILE_MODULES,
    rules: { 'no-restricted-imports': ['error', { patterns: [...WORLD, FILES] }] }
  },
  {
    files: SIM_FILE_MODULES,
    rules: { 'no-restricted-imports': ['error', { patterns: WORLD }] }
  },
  {
    files: ['eslint.config.js', '.dependency-cruiser.js', 'scripts/*.js'],
    ...tseslint.configs.disableTypeChecked
  }
)
