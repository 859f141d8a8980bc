import 'sodium-native'

/** The IETF ChaCha20-Poly1305 calls of sodium-native, which @types/sodium-native does not declare. */
declare module 'sodium-native' {
  export const crypto_aead_chacha20poly1305_ietf_ABYTES: number
  export function crypto_aead_chacha20poly1305_ietf_encrypt(
    ciphertext: Buffer,
    message: Buffer,
    additionalData: Buffer | null,
    nsec: null,
    nonce: Buffer,
    key: Buffer
  ): number
  export function crypto_aead_chacha20poly1305_ietf_decrypt(
    message: Buffer,
    nsec: null,
    ciphertext: Buffer,
    additionalData: Buffer | null,
    nonce: Buffer,
    key: Buffer
  ): number
}
