import { ID_BYTES, IDS_PER_FRAME } from './constants.ts'
import type { MeshFrame } from './mesh.pb.ts'

/** A frame cut to what the engine takes in, and what was left out. */
export interface BoundedFrame {
  frame: MeshFrame
  /** Ids not `ID_BYTES` long. */
  malformed: number
  /** Items of a list past its first `IDS_PER_FRAME`: no honest node sends more in one frame. */
  overLimit: number
}

const byteIds = (id: Uint8Array): Uint8Array => id
const envelopeIds = ({ envelopeId }: { envelopeId: Uint8Array }): Uint8Array => envelopeId

/**
 * Cuts each list of a frame to its first `IDS_PER_FRAME` items and leaves out ids of the wrong length, so
 * the work a frame makes is bounded whatever its size. A frame within bounds is returned as it is.
 */
export function boundFrame(frame: MeshFrame): BoundedFrame {
  const counts = { malformed: 0, overLimit: 0 }
  const keep = <T>(list: T[], id?: (item: T) => Uint8Array): T[] => {
    if (
      list.length <= IDS_PER_FRAME &&
      (id === undefined || list.every((item) => id(item).length === ID_BYTES))
    )
      return list
    const cut = list.length > IDS_PER_FRAME ? list.slice(0, IDS_PER_FRAME) : list
    counts.overLimit += list.length - cut.length
    if (id === undefined) return cut
    const kept = cut.filter((item) => id(item).length === ID_BYTES)
    counts.malformed += cut.length - kept.length
    return kept
  }
  const bounded: MeshFrame = {
    ...frame,
    ...(frame.hello === undefined ? {} : { hello: { ...frame.hello, tags: keep(frame.hello.tags) } }),
    envelopes: keep(frame.envelopes),
    acks: keep(frame.acks, byteIds),
    receipts: keep(frame.receipts, envelopeIds),
    offers: keep(frame.offers, byteIds),
    requests: keep(frame.requests, byteIds),
    refusals: keep(frame.refusals, envelopeIds)
  }
  if (counts.malformed === 0 && counts.overLimit === 0) return { frame, ...counts }
  return { frame: bounded, ...counts }
}
