import { peerDecoder } from '../wire/index.ts'
import { MeshFrame } from './mesh.pb.ts'

/**
 * The empty list every field a frame leaves unset points to: frames are built, sent and read, never
 * changed, so they share it instead of allocating six lists each (frames are most of the engine's output).
 */
const NONE: never[] = []
Object.freeze(NONE)

/** A mesh frame with only the given fields set. */
export function meshFrame(fields: Partial<MeshFrame>): MeshFrame {
  return {
    envelopes: NONE,
    acks: NONE,
    receipts: NONE,
    offers: NONE,
    requests: NONE,
    refusals: NONE,
    moreOffers: false,
    offersComplete: false,
    ...fields
  }
}

/** A frame from a peer's bytes; a MalformedMessageError where they are not one. */
export const decodeMeshFrame = peerDecoder('MeshFrame', MeshFrame).decode
