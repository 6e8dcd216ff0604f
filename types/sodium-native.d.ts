// Minimal typings for the parts of sodium-native that Skein uses.
// sodium-native writes results into caller-provided buffers.
declare module 'sodium-native' {
  type Buf = Uint8Array;
  const sodium: {
    crypto_sign_PUBLICKEYBYTES: number;
    crypto_sign_SECRETKEYBYTES: number;
    crypto_sign_SEEDBYTES: number;
    crypto_sign_BYTES: number;
    crypto_sign_seed_keypair(pk: Buf, sk: Buf, seed: Buf): void;
    crypto_sign_keypair(pk: Buf, sk: Buf): void;
    crypto_sign_detached(sig: Buf, msg: Buf, sk: Buf): void;
    crypto_sign_verify_detached(sig: Buf, msg: Buf, pk: Buf): boolean;
    crypto_sign_ed25519_pk_to_curve25519(x25519pk: Buf, ed25519pk: Buf): void;
    crypto_sign_ed25519_sk_to_curve25519(x25519sk: Buf, ed25519sk: Buf): void;

    crypto_scalarmult_BYTES: number;
    crypto_scalarmult_SCALARBYTES: number;
    crypto_scalarmult(q: Buf, n: Buf, p: Buf): void;
    crypto_scalarmult_base(q: Buf, n: Buf): void;

    crypto_generichash_BYTES: number;
    crypto_generichash_BYTES_MIN: number;
    crypto_generichash_BYTES_MAX: number;
    crypto_generichash_KEYBYTES: number;
    crypto_generichash(out: Buf, input: Buf, key?: Buf): void;
    crypto_generichash_batch(out: Buf, inputs: Buf[], key?: Buf): void;

    crypto_aead_chacha20poly1305_ietf_KEYBYTES: number;
    crypto_aead_chacha20poly1305_ietf_NPUBBYTES: number;
    crypto_aead_chacha20poly1305_ietf_ABYTES: number;
    crypto_aead_chacha20poly1305_ietf_encrypt(c: Buf, m: Buf, ad: Buf | null, nsec: null, npub: Buf, k: Buf): number;
    crypto_aead_chacha20poly1305_ietf_decrypt(m: Buf, nsec: null, c: Buf, ad: Buf | null, npub: Buf, k: Buf): number;

    crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number;
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number;
    crypto_aead_xchacha20poly1305_ietf_ABYTES: number;
    crypto_aead_xchacha20poly1305_ietf_encrypt(c: Buf, m: Buf, ad: Buf | null, nsec: null, npub: Buf, k: Buf): number;
    crypto_aead_xchacha20poly1305_ietf_decrypt(m: Buf, nsec: null, c: Buf, ad: Buf | null, npub: Buf, k: Buf): number;

    crypto_kdf_KEYBYTES: number;

    randombytes_buf(buf: Buf): void;
    randombytes_uniform(upperBound: number): number;
    sodium_memzero(buf: Buf): void;
    sodium_memcmp(a: Buf, b: Buf): boolean;
  };
  export default sodium;
}
