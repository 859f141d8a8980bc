import type { Uint8ArrayList } from 'uint8arraylist'
import { peerDecoder } from '../wire/index.ts'
import { IDS_PER_FRAME } from './constants.ts'
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

const meshFrameDecoder = peerDecoder('MeshFrame', MeshFrame)

/** What no honest node sends in one frame: the decoder stops at the first item over, before it allocates more. */
const FRAME_LIMITS = {
  envelopes: IDS_PER_FRAME,
  acks: IDS_PER_FRAME,
  receipts: IDS_PER_FRAME,
  offers: IDS_PER_FRAME,
  requests: IDS_PER_FRAME,
  refusals: IDS_PER_FRAME,
  hello: { tags: IDS_PER_FRAME }
}

/**
 * A frame from a peer's bytes; a MalformedMessageError where they are not one, or where a list holds more
 * than IDS_PER_FRAME items (a megabyte of empty ids would decode to half a million objects).
 */
export function decodeMeshFrame(bytes: Uint8Array | Uint8ArrayList): MeshFrame {
  return meshFrameDecoder.decode(bytes, { limits: FRAME_LIMITS })
}

/** Objects a decoded frame holds: each costs the heap about a hundred bytes beyond its bytes on the wire. */
export function frameItems(frame: MeshFrame): number {
  return (
    frame.envelopes.length +
    frame.acks.length +
    frame.receipts.length +
    frame.offers.length +
    frame.requests.length +
    frame.refusals.length +
    (frame.hello?.tags.length ?? 0)
  )
}
