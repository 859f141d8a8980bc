import { expect } from 'chai'
import { fuzz } from '../bench/fuzz.ts'

/** Inputs in CI: `npm run fuzz` runs many more. */
const COUNT = 20_000
/** No single input, engine handling included, may take longer (a nested-group frame once overflowed the stack). */
const MAX_INPUT_MS = 50

describe('fuzzed peer bytes', function () {
  this.timeout(120_000)

  it('decode or are refused with a typed error, each within the time bound', async () => {
    const result = await fuzz({ count: COUNT, seed: 16 })
    expect(result.untyped, 'errors that are not the typed decode errors').to.deep.equal([])
    expect(result.inputs).to.equal(COUNT)
    expect(result.decoded, 'inputs that decode (frames among them reach the engine)').to.be.above(COUNT / 20)
    expect(result.slowest.ms, `slowest input: ${JSON.stringify(result.slowest)}`).to.be.below(MAX_INPUT_MS)
  })

  it('are the same inputs for the same seed', async () => {
    const [first, second] = [await fuzz({ count: 500, seed: 7 }), await fuzz({ count: 500, seed: 7 })]
    expect([...first.refused]).to.deep.equal([...second.refused])
    expect(first.decoded).to.equal(second.decoded)
  })
})
