import type { MeshFrame } from '../../node/src/mesh/index.ts'

/** A mesh frame with only the given fields set. */
export function frame(fields: Partial<MeshFrame>): MeshFrame {
  return {
    envelopes: [],
    acks: [],
    receipts: [],
    offers: [],
    requests: [],
    refusals: [],
    moreOffers: false,
    ...fields
  }
}
