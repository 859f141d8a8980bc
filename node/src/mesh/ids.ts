/** Envelope ids travel as 32 bytes and are kept as hex; Node's Buffer converts natively, in one call. */
export function idToBytes(id: string): Uint8Array {
  return Buffer.from(id, 'hex')
}

export function idFromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
