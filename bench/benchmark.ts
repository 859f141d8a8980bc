import type { Progress } from './progress.ts'

/** One benchmark of `npm run bench`: it runs, then describes its method and figures as a markdown section. */
export interface Benchmark {
  name: string
  run(progress: Progress): Promise<string>
}
