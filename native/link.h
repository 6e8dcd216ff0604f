/*
 * What the two halves of the skein_link addon share: link.c (established
 * links, relaying) and endpoint.c (this node's own end-to-end sessions and
 * its TUN device). One event loop runs both; nothing here is locked.
 */
#ifndef SKEIN_LINK_H
#define SKEIN_LINK_H

#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "chacha.h"

/* ---- the wire, as the TypeScript constants define it (checked by a test through layout()) ---- */
#define FRAME_HEADER_BYTES 4
#define LINK_PAYLOAD_MAX_BYTES (65536 + 256)
#define LINK_PROTOCOL_VERSION 3
#define LINK_TYPE_PAYLOAD 4
#define LINK_PAYLOAD_OVERHEAD 3 /* version, type, channel */
#define MAX_FRAME_BYTES (LINK_PAYLOAD_MAX_BYTES + LINK_PAYLOAD_OVERHEAD + CHACHA_TAG_BYTES)
#define MESH_PACKET_CHANNEL 2
#define NODE_ID_BYTES 16
#define MESH_PACKET_VERSION 1
#define PACKET_TYPE_DATA 1
#define PACKET_SOURCE_OFFSET 3
#define PACKET_DESTINATION_OFFSET (PACKET_SOURCE_OFFSET + NODE_ID_BYTES)
#define PACKET_HOP_LIMIT_OFFSET (PACKET_DESTINATION_OFFSET + NODE_ID_BYTES)
#define PACKET_HEADER_BYTES (PACKET_HOP_LIMIT_OFFSET + 1)
#define DATA_MIN_BODY_BYTES (4 + 8 + CHACHA_TAG_BYTES)

/* ---- bounds ---- */
/* One whole frame, plus room to read the next 64 KiB behind it. */
#define RX_CAPACITY (FRAME_HEADER_BYTES + MAX_FRAME_BYTES + 65536)
/* Reads per readiness callback before the loop serves other handles. */
#define READS_PER_WAKEUP 8
/* Queued bytes above which a JavaScript send is told to wait for onDrain. */
#define TX_HIGH_WATER (64 * 1024)
/* A queue that has flushed keeps at most this much allocated. */
#define TX_KEEP_BYTES (64 * 1024)
#define MAX_LINKS 65535
#define MAX_ROUTES (1 << 20)

/* What onEnd reports (JavaScript maps each to its error code). */
enum end_kind { END_EOF = 0, END_STREAM_ERROR = 1, END_AUTH = 2, END_FRAME_TOO_LARGE = 3, END_NONCE_EXHAUSTED = 4 };

/* What send() returns. */
enum send_result { SEND_OK = 0, SEND_BLOCKED = 1, SEND_EXHAUSTED = 2, SEND_CLOSED = 3 };

typedef struct host host_t;
typedef struct endpoint endpoint_t;

typedef struct {
  uv_poll_t poll;
  host_t *host;
  uint32_t id;
  int fd;
  int poll_events; /* what the poll handle waits for now (0: stopped) */
  uint8_t send_key[CHACHA_KEY_BYTES];
  uint8_t receive_key[CHACHA_KEY_BYTES];
  uint64_t send_counter, receive_counter, message_limit;
  size_t queue_limit;
  uint8_t *rx;
  size_t rx_filled;
  uint8_t *tx;
  size_t tx_head, tx_length, tx_capacity;
  bool reading;      /* false once an end was reported: the link waits for JavaScript */
  bool ending;       /* end(): flush, then shut the write side; nothing more up or through */
  bool shut;         /* shutdown(SHUT_WR) done */
  bool destroyed;    /* destroy(): the struct lives until libuv's close callback */
  bool waits_drain;  /* a send was told SEND_BLOCKED: onDrain once flushed */
  int pending_errno; /* a write failed inside a JavaScript call: reported from the next poll callback */
  uint64_t bytes_received, messages_received, bytes_sent, messages_sent, transit_dropped;
} link_t;

typedef struct {
  uint8_t id[NODE_ID_BYTES];
  uint32_t link_id; /* 0: empty slot */
} route_t;

struct host {
  napi_env env;
  uv_loop_t *loop;
  napi_ref on_messages, on_end, on_drain;
  napi_async_context async;
  uint8_t local_id[NODE_ID_BYTES];
  EVP_CIPHER_CTX *seal_ctx, *open_ctx;
  link_t **slots;
  uint16_t *generations;
  size_t slot_count;
  route_t *routes;
  size_t route_mask; /* capacity - 1 (capacity a power of two), 0 when empty */
  uint64_t route_seed;
  uint64_t forwarded, transit_dropped;
  endpoint_t *endpoint; /* endpoint.c: this node's own sessions, NULL until set up */
  bool released;
};

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, "SKEIN_LINK_ADDON", "N-API call failed: " #call); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

uint32_t read_u32be(const uint8_t *p);
void write_u32be(uint8_t *p, uint32_t v);
/* Noise's nonce layout: 4 zero bytes, then the counter little-endian. */
void counter_nonce(uint8_t nonce[CHACHA_NONCE_BYTES], uint64_t counter);
uint64_t mix64(uint64_t x);
/* The link of the route to node `id`, or NULL. */
link_t *route_lookup(const host_t *h, const uint8_t *id);
/* True while `to` may take a frame: open, writable, counter left. */
bool link_can_send(const link_t *to);
/* Seal frame[4, n - 16) in place for `l`'s next counter and write it. False if the counter is spent. */
bool seal_and_write(link_t *l, uint8_t *frame, size_t n);

napi_value throw_args(napi_env env, const char *message);
bool get_typed(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length);
bool get_bytes(napi_env env, napi_value value, uint8_t **data, size_t *length);
bool get_counter(napi_env env, napi_value value, uint64_t *out);
host_t *host_call(napi_env env, napi_callback_info info, size_t count, napi_value *argv);
double *get_doubles(napi_env env, napi_value value, size_t min_length);

/* endpoint.c */
/* A DATA packet for this node in an opened frame: delivered to TUN here? False: it goes up. */
bool endpoint_try_deliver(link_t *from, uint8_t *frame, size_t frame_length);
void endpoint_free(host_t *h);
/* The endpoint's functions, added to the addon's exports. */
bool endpoint_define(napi_env env, napi_value exports);

#endif
