import { readFile } from 'node:fs/promises'

/** The malloc behind the process: jemalloc when preloaded (config/systemd/qpq-node.service does), else the C library's. */
export type Allocator = 'jemalloc' | 'system'

/**
 * Reads the process's own mappings: glibc's malloc keeps the churn of LevelDB
 * writes as fragmentation that RSS never gives back, jemalloc returns it
 * (bench/RESULTS.md, queue store), so operators want to see which one runs.
 */
export async function detectAllocator(): Promise<Allocator> {
  try {
    const maps = await readFile('/proc/self/maps', 'utf8')
    return /\/libjemalloc[^/\n]*$/m.test(maps) ? 'jemalloc' : 'system'
  } catch {
    return 'system'
  }
}
