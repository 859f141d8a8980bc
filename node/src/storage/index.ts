// The daemon's disk: the LevelDB implementation of the queue's MeshStore (group-committed, fsync'd batches).
// Only the daemon, and the tests and benchmarks of it, load this folder; the engine and the simulator never do.
export { LevelStore } from './level-store.ts'
