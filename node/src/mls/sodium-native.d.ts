import 'sodium-native'

/** The IETF ChaCha20-Poly1305 calls of sodium-native, which @types/sodium-native does not declare. */
declare module 'sodium-native' {
  export const crypto_aead_chacha20poly1305_ietf_ABYTES: number
  export function crypto_aead_chacha20poly1305_ietf_encrypt(
    ciphertext: Uint8Array,
    message: Uint8Array,
    additionalData: Uint8Array | null,
    nsec: null,
    nonce: Uint8Array,
    key: Uint8Array
  ): number
  export function crypto_aead_chacha20poly1305_ietf_decrypt(
    message: Uint8Array,
    nsec: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    nonce: Uint8Array,
    key: Uint8Array
  ): number
}
