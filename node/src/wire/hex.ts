/** Hex for ids, tags and hashes: Node's Buffer converts natively, in one call, to a flat string. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex')
}

/**
 * Many at once (the ids of an offer frame): one native conversion, then each a slice of the one string,
 * several times cheaper than a conversion each.
 */
export function manyToHex(all: Uint8Array[]): string[] {
  const hex = Buffer.concat(all).toString('hex')
  const strings: string[] = []
  let at = 0
  for (const bytes of all) {
    strings.push(hex.slice(at, at + 2 * bytes.length))
    at += 2 * bytes.length
  }
  return strings
}
