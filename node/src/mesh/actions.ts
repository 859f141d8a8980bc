import { IDS_PER_FRAME } from './constants.ts'
import type { EngineAction } from './engine-types.ts'
import { meshFrame } from './frames.ts'
import type { MeshFrame } from './mesh.pb.ts'

/** Sends `peer` a frame with these fields. */
export function frameTo(peer: string, fields: Partial<MeshFrame>): EngineAction {
  return { kind: 'send', peer, frame: meshFrame(fields) }
}

/** Ids in frames of `IDS_PER_FRAME`, each with `fields`, the first also with `first`. */
export function sendIds(
  peer: string,
  field: 'offers' | 'requests',
  ids: Uint8Array[],
  out: EngineAction[],
  fields: Partial<MeshFrame> = {},
  first: Partial<MeshFrame> = {}
): void {
  for (let i = 0; i < ids.length; i += IDS_PER_FRAME) {
    const frame = meshFrame(i === 0 ? { ...first, ...fields } : fields)
    frame[field] = ids.slice(i, i + IDS_PER_FRAME)
    out.push({ kind: 'send', peer, frame })
  }
}
