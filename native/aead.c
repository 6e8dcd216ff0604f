/*
 * skein_aead: ChaCha20-Poly1305 (IETF, RFC 8439) from the OpenSSL that Node
 * itself links, over caller-owned buffers, so the packet path can seal and
 * open in place without an allocation per packet.
 *
 * Why: on this project's target machines OpenSSL's assembly ChaCha20-Poly1305
 * is ~1.4x libsodium's for 64 KB packets (measured: 39 vs 54 us), and
 * node:crypto cannot use it in place (a new cipher object and a new output
 * Buffer per message, ~17 us of fixed cost). This is not a new primitive:
 * it is EVP's AEAD, the same construction and bytes as libsodium's
 * crypto_aead_chacha20poly1305_ietf_*, which the tests check vector by vector.
 *
 *   seal(out, plaintext, ad, nonce, key)   out = ciphertext || tag (16 bytes)
 *   open(out, ciphertext, ad, nonce, key)  -> true, out = plaintext;
 *                                          -> false on a bad tag, out zeroed
 *
 * `out` may start at the same byte as the input (in place) or not overlap it
 * at all; a partial overlap is refused. `ad` may be null. key 32 bytes,
 * nonce 12 bytes. One cipher context per direction per Node environment,
 * given the caller's key for every message (ChaCha20 has no key schedule to
 * cache). The last key used stays in that context until the next message
 * replaces it: the JavaScript side holds every live key anyway, and a full
 * EVP_CIPHER_CTX_reset per message costs 1.3 us (+50 % on small packets).
 */
#include <node_api.h>
#include "chacha.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES CHACHA_KEY_BYTES
#define NONCE_BYTES CHACHA_NONCE_BYTES
#define TAG_BYTES CHACHA_TAG_BYTES
/* EVP takes int lengths; packets are far smaller. */
#define MAX_MESSAGE_BYTES (1 << 30)

typedef struct {
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
} AeadState;

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

typedef struct {
  uint8_t *data;
  size_t length;
} Bytes;

/* A Uint8Array argument (Buffer included); `optional` allows null/undefined (length 0, data NULL). */
static bool get_bytes(napi_env env, napi_value value, bool optional, Bytes *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (optional && (type == napi_null || type == napi_undefined)) {
    out->data = NULL;
    out->length = 0;
    return true;
  }
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
  napi_typedarray_type kind;
  void *data;
  size_t length;
  if (napi_get_typedarray_info(env, value, &kind, &length, &data, NULL, NULL) != napi_ok) return false;
  if (kind != napi_uint8_array) return false;
  out->data = data;
  out->length = length;
  return true;
}

/* In place (same first byte) or disjoint; anything in between would read bytes already written. */
static bool aliasing_ok(const Bytes *out, size_t out_len, const Bytes *in, size_t in_len) {
  if (out->data == in->data) return true;
  uintptr_t o = (uintptr_t)out->data, i = (uintptr_t)in->data;
  return o + out_len <= i || i + in_len <= o;
}

typedef struct {
  Bytes out, input, ad, nonce, key;
} AeadArgs;

static bool parse_args(napi_env env, napi_callback_info info, AeadArgs *a, AeadState **state) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)state) != napi_ok || argc != 5) {
    fail(env, "SKEIN_AEAD_ARGS", "expected (out, input, ad, nonce, key)");
    return false;
  }
  if (!get_bytes(env, argv[0], false, &a->out) || !get_bytes(env, argv[1], false, &a->input) ||
      !get_bytes(env, argv[2], true, &a->ad) || !get_bytes(env, argv[3], false, &a->nonce) ||
      !get_bytes(env, argv[4], false, &a->key)) {
    fail(env, "SKEIN_AEAD_ARGS", "out, input, nonce and key must be Uint8Arrays; ad a Uint8Array or null");
    return false;
  }
  if (a->key.length != KEY_BYTES || a->nonce.length != NONCE_BYTES) {
    fail(env, "SKEIN_AEAD_ARGS", "key must be 32 bytes and nonce 12 bytes");
    return false;
  }
  if (a->input.length > MAX_MESSAGE_BYTES || a->ad.length > MAX_MESSAGE_BYTES) {
    fail(env, "SKEIN_AEAD_ARGS", "message too long");
    return false;
  }
  return true;
}

static napi_value seal(napi_env env, napi_callback_info info) {
  AeadArgs a;
  AeadState *state;
  if (!parse_args(env, info, &a, &state)) return NULL;
  size_t plain_len = a.input.length;
  if (a.out.length != plain_len + TAG_BYTES) return fail(env, "SKEIN_AEAD_ARGS", "out must be plaintext length + 16");
  if (!aliasing_ok(&a.out, a.out.length, &a.input, plain_len)) return fail(env, "SKEIN_AEAD_ARGS", "out partially overlaps plaintext");
  if (!chacha_seal(state->seal, a.out.data, a.input.data, plain_len, a.ad.data, a.ad.length, a.nonce.data, a.key.data)) {
    return fail(env, "SKEIN_AEAD_OPENSSL", "OpenSSL ChaCha20-Poly1305 seal failed");
  }
  return NULL;
}

static napi_value open_(napi_env env, napi_callback_info info) {
  AeadArgs a;
  AeadState *state;
  if (!parse_args(env, info, &a, &state)) return NULL;
  napi_value result;
  if (a.input.length < TAG_BYTES) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  size_t cipher_len = a.input.length - TAG_BYTES;
  if (a.out.length != cipher_len) return fail(env, "SKEIN_AEAD_ARGS", "out must be ciphertext length - 16");
  if (!aliasing_ok(&a.out, a.out.length, &a.input, a.input.length)) return fail(env, "SKEIN_AEAD_ARGS", "out partially overlaps ciphertext");
  bool ok = chacha_open(state->open, a.out.data, a.input.data, cipher_len, a.ad.data, a.ad.length, a.nonce.data, a.key.data);
  napi_get_boolean(env, ok, &result);
  return result;
}

static void free_state(napi_env env, void *data, void *hint) {
  AeadState *state = data;
  EVP_CIPHER_CTX_free(state->seal);
  EVP_CIPHER_CTX_free(state->open);
  free(state);
}

static napi_value init(napi_env env, napi_value exports) {
  AeadState *state = calloc(1, sizeof *state);
  if (state == NULL) return fail(env, "SKEIN_AEAD_INIT", "out of memory");
  state->seal = chacha_context_new(1);
  state->open = chacha_context_new(0);
  if (state->seal == NULL || state->open == NULL) {
    free_state(env, state, NULL);
    return fail(env, "SKEIN_AEAD_INIT", "this Node's OpenSSL has no ChaCha20-Poly1305");
  }
  napi_property_descriptor props[] = {
      {"seal", NULL, seal, NULL, NULL, NULL, napi_enumerable, state},
      {"open", NULL, open_, NULL, NULL, NULL, napi_enumerable, state},
  };
  if (napi_set_instance_data(env, state, free_state, NULL) != napi_ok) {
    free_state(env, state, NULL);
    return fail(env, "SKEIN_AEAD_INIT", "napi_set_instance_data failed");
  }
  if (napi_define_properties(env, exports, 2, props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
