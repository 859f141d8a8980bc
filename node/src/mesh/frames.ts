import type { MeshFrame } from './mesh.pb.ts'

/** A mesh frame with only the given fields set. */
export function meshFrame(fields: Partial<MeshFrame>): MeshFrame {
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
