/** Hex for ids, tags and hashes: Node's Buffer converts natively, in one call, to a flat string. */
export function toHex(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return buffer.toString('hex')
}

export function fromHex(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex')
}
