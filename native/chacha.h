/*
 * ChaCha20-Poly1305 (IETF, RFC 8439) through the EVP interface of the
 * OpenSSL that Node links, over caller-owned bytes: the one AEAD both
 * addons use (aead.c for JavaScript callers, link.c for the native link).
 *
 * A context is made once (chacha_context_new) and given the key and nonce
 * of every message: ChaCha20 has no key schedule worth caching, and setting
 * both starts a fresh message whatever an earlier (even failed) call left.
 * `out` may be the input itself (in place) or disjoint from it.
 */
#ifndef SKEIN_CHACHA_H
#define SKEIN_CHACHA_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CHACHA_KEY_BYTES 32
#define CHACHA_NONCE_BYTES 12
#define CHACHA_TAG_BYTES 16

/* A context for one direction (encrypt = 1 seals, 0 opens), or NULL. */
static inline EVP_CIPHER_CTX *chacha_context_new(int encrypt) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  const EVP_CIPHER *cipher = EVP_chacha20_poly1305();
  if (ctx == NULL || cipher == NULL || EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, CHACHA_NONCE_BYTES, NULL) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

static inline bool chacha_start(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *nonce, const uint8_t *ad,
                                size_t ad_len, int encrypt) {
  int unused;
  if (EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, encrypt) != 1) return false;
  if (ad_len > 0 && EVP_CipherUpdate(ctx, NULL, &unused, ad, (int)ad_len) != 1) return false;
  return true;
}

/* out[0, len + 16) = ciphertext || tag of plain[0, len). On failure out is zeroed and false returned. */
static inline bool chacha_seal(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *plain, size_t len,
                               const uint8_t *ad, size_t ad_len, const uint8_t *nonce, const uint8_t *key) {
  int written = 0, final_len = 0;
  bool ok = chacha_start(ctx, key, nonce, ad, ad_len, 1) &&
            (len == 0 || EVP_CipherUpdate(ctx, out, &written, plain, (int)len) == 1) &&
            EVP_CipherFinal_ex(ctx, out + written, &final_len) == 1 && (size_t)(written + final_len) == len &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CHACHA_TAG_BYTES, out + len) == 1;
  if (!ok) OPENSSL_cleanse(out, len + CHACHA_TAG_BYTES);
  return ok;
}

/*
 * out[0, len) = plaintext of sealed[0, len) whose tag is sealed[len, len + 16).
 * False on a bad tag; then out is zeroed, never left as unauthenticated
 * plaintext (OpenSSL decrypts before it checks).
 */
static inline bool chacha_open(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *sealed, size_t len,
                               const uint8_t *ad, size_t ad_len, const uint8_t *nonce, const uint8_t *key) {
  uint8_t tag[CHACHA_TAG_BYTES];
  /* The tag sits past the bytes `out` covers; a copy keeps that true for a disjoint `out` too. */
  memcpy(tag, sealed + len, CHACHA_TAG_BYTES);
  int written = 0, final_len = 0;
  bool ok = chacha_start(ctx, key, nonce, ad, ad_len, 0) &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CHACHA_TAG_BYTES, tag) == 1 &&
            (len == 0 || EVP_CipherUpdate(ctx, out, &written, sealed, (int)len) == 1) &&
            EVP_CipherFinal_ex(ctx, out + written, &final_len) == 1 && (size_t)(written + final_len) == len;
  if (!ok) OPENSSL_cleanse(out, len);
  return ok;
}

#endif
