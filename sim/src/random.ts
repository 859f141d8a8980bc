import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

/** A seeded random stream: the same seed gives the same numbers on every machine. */
export class Random {
  private readonly rng

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed)
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.rng)
  }

  /** An integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to)
  }

  /** Uniform in [from, to). */
  between(from: number, to: number): number {
    return from + (to - from) * this.next()
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next())
  }
}
