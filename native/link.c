/*
 * skein_link: the per-packet work of established links, in C, on Node's
 * own event loop (no thread, no lock).
 *
 * JavaScript runs each link's handshake (Noise XX over a net.Socket) and
 * then hands the socket over: a duplicate of its fd, both transport keys
 * with their counters, and the bytes of an incomplete frame it had already
 * read. From then on this file owns the link's bytes on the wire:
 *
 *   read -> frames (u32 length || body, body <= MAX_FRAME_BYTES, checked
 *   before anything is buffered) -> open in place, strict counter nonce ->
 *     a transit mesh DATA packet with a route: hop limit - 1, sealed in
 *       place for the next hop's link, written: no JavaScript at all
 *     anything else: handed up, decrypted, in one buffer per read
 *   send (from JavaScript) -> seal in place -> write, or a bounded queue
 *   while the socket pushes back, and a drain call once it has flushed
 *
 * The wire format is the TypeScript link's byte for byte (link/framing.ts,
 * crypto/transport.ts, wire/link-messages.ts): either end may run either
 * implementation. What is forwarded here is exactly what the TypeScript
 * forwarder would forward (dataplane/forwarding.ts): a well-formed DATA
 * packet, not for us, not from us, hop limit above 1, a route whose link is
 * not the arrival link and has room in its queue. Every other case (for us,
 * other types, no route, hop limit, loops, malformed) goes up, where the
 * TypeScript forwarder decides, counts and answers as it always has. The
 * route table is the control plane's: JavaScript installs it whole
 * (setRoutes) whenever routing changes.
 *
 * Failures close nothing by themselves: a bad tag, an oversize length, an
 * exhausted counter, EOF or a socket error is reported once (onEnd) and the
 * link stops reading; JavaScript decides and calls end() or destroy().
 * Keys are wiped when a link is destroyed.
 */
#include "link.h"

/* ---- small helpers ---- */

uint32_t read_u32be(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void write_u32be(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

void counter_nonce(uint8_t nonce[CHACHA_NONCE_BYTES], uint64_t counter) {
  memset(nonce, 0, 4);
  for (int i = 0; i < 8; i++) nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static size_t route_hash(const host_t *h, const uint8_t *id) {
  uint64_t a, b;
  memcpy(&a, id, 8);
  memcpy(&b, id + 8, 8);
  return (size_t)mix64(a ^ mix64(b ^ h->route_seed));
}

static link_t *link_by_id(const host_t *h, uint32_t id) {
  size_t slot = (id & 0xffff);
  if (slot == 0 || slot > h->slot_count) return NULL;
  link_t *l = h->slots[slot - 1];
  if (l == NULL || l->id != id || l->destroyed) return NULL;
  return l;
}

link_t *route_lookup(const host_t *h, const uint8_t *id) {
  if (h->routes == NULL) return NULL;
  for (size_t i = route_hash(h, id) & h->route_mask;; i = (i + 1) & h->route_mask) {
    const route_t *r = &h->routes[i];
    if (r->link_id == 0) return NULL;
    if (memcmp(r->id, id, NODE_ID_BYTES) == 0) return link_by_id(h, r->link_id);
  }
}

/* ---- calling JavaScript ---- */

static void call_js(host_t *h, napi_ref ref, size_t argc, napi_value *argv) {
  napi_env env = h->env;
  napi_value callback, recv, ignored;
  napi_get_reference_value(env, ref, &callback);
  napi_get_global(env, &recv);
  if (napi_make_callback(env, h->async, recv, callback, argc, argv, &ignored) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

static void report_end(link_t *l, enum end_kind kind, const char *message) {
  l->reading = false;
  host_t *h = l->host;
  napi_handle_scope scope;
  if (napi_open_handle_scope(h->env, &scope) != napi_ok) return;
  napi_value argv[3];
  napi_create_uint32(h->env, l->id, &argv[0]);
  napi_create_uint32(h->env, (uint32_t)kind, &argv[1]);
  napi_create_string_utf8(h->env, message, NAPI_AUTO_LENGTH, &argv[2]);
  call_js(h, h->on_end, 3, argv);
  napi_close_handle_scope(h->env, scope);
}

static void report_errno(link_t *l, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  report_end(l, END_STREAM_ERROR, message);
}

/* The opened frames [0, length) of rx go up in one Buffer (a copy: rx is reused). */
static void deliver_up(link_t *l, size_t length) {
  host_t *h = l->host;
  napi_handle_scope scope;
  if (napi_open_handle_scope(h->env, &scope) != napi_ok) return;
  void *data = NULL;
  napi_value argv[2];
  if (napi_create_buffer(h->env, length, &data, &argv[1]) == napi_ok) {
    memcpy(data, l->rx, length);
    napi_create_uint32(h->env, l->id, &argv[0]);
    call_js(h, h->on_messages, 2, argv);
  }
  napi_close_handle_scope(h->env, scope);
}

static void report_drain(link_t *l) {
  host_t *h = l->host;
  napi_handle_scope scope;
  if (napi_open_handle_scope(h->env, &scope) != napi_ok) return;
  napi_value argv[1];
  napi_create_uint32(h->env, l->id, &argv[0]);
  call_js(h, h->on_drain, 1, argv);
  napi_close_handle_scope(h->env, scope);
}

/* ---- polling ---- */

static void on_poll(uv_poll_t *handle, int status, int events);

static void update_poll(link_t *l) {
  if (l->destroyed) return;
  int want = (l->reading ? UV_READABLE : 0) | (l->tx_length > 0 || l->pending_errno != 0 ? UV_WRITABLE : 0);
  if (want == l->poll_events) return;
  l->poll_events = want;
  if (want == 0) uv_poll_stop(&l->poll);
  else uv_poll_start(&l->poll, want, on_poll);
}

/* ---- sending ---- */

static bool tx_append(link_t *l, const uint8_t *bytes, size_t n) {
  if (l->tx_head + l->tx_length + n > l->tx_capacity && l->tx_head > 0) {
    memmove(l->tx, l->tx + l->tx_head, l->tx_length);
    l->tx_head = 0;
  }
  if (l->tx_length + n > l->tx_capacity) {
    size_t capacity = l->tx_capacity == 0 ? 16 * 1024 : l->tx_capacity;
    while (capacity < l->tx_length + n) capacity *= 2;
    uint8_t *grown = realloc(l->tx, capacity);
    if (grown == NULL) return false;
    l->tx = grown;
    l->tx_capacity = capacity;
  }
  memcpy(l->tx + l->tx_head + l->tx_length, bytes, n);
  l->tx_length += n;
  return true;
}

static void shut_if_flushed(link_t *l) {
  if (l->ending && !l->shut && l->tx_length == 0) {
    l->shut = true;
    shutdown(l->fd, SHUT_WR);
  }
}

/* Write a sealed frame now, queueing what the socket does not take. A failure waits for the poll callback. */
static void write_frame(link_t *l, const uint8_t *frame, size_t n) {
  l->messages_sent++;
  l->bytes_sent += n;
  size_t done = 0;
  if (l->tx_length == 0 && l->pending_errno == 0) {
    while (done < n) {
      ssize_t w = write(l->fd, frame + done, n - done);
      if (w >= 0) {
        done += (size_t)w;
        continue;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) l->pending_errno = errno;
      break;
    }
  }
  if (done < n && l->pending_errno == 0 && !tx_append(l, frame + done, n - done)) l->pending_errno = ENOMEM;
  update_poll(l);
}

/* Seal frame[4, n - 16) in place for `l`'s next counter and write it. False if the counter is spent. */
bool seal_and_write(link_t *l, uint8_t *frame, size_t n) {
  if (l->send_counter >= l->message_limit) return false;
  size_t plain = n - FRAME_HEADER_BYTES - CHACHA_TAG_BYTES;
  uint8_t nonce[CHACHA_NONCE_BYTES];
  counter_nonce(nonce, l->send_counter);
  write_u32be(frame, (uint32_t)(n - FRAME_HEADER_BYTES));
  uint8_t *message = frame + FRAME_HEADER_BYTES;
  if (!chacha_seal(l->host->seal_ctx, message, message, plain, NULL, 0, nonce, l->send_key)) return false;
  l->send_counter++;
  write_frame(l, frame, n);
  return true;
}

/* Returns -errno on a write error, else 0. */
static int flush(link_t *l) {
  while (l->tx_length > 0) {
    ssize_t w = write(l->fd, l->tx + l->tx_head, l->tx_length);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return -errno;
    }
    l->tx_head += (size_t)w;
    l->tx_length -= (size_t)w;
  }
  if (l->tx_length == 0) {
    l->tx_head = 0;
    if (l->tx_capacity > TX_KEEP_BYTES) {
      free(l->tx);
      l->tx = NULL;
      l->tx_capacity = 0;
    }
  }
  return 0;
}

/* ---- receiving ---- */

bool link_can_send(const link_t *to) {
  return !to->destroyed && !to->ending && to->reading && to->pending_errno == 0 && to->send_counter < to->message_limit;
}

/*
 * A transit DATA packet this node can relay without JavaScript: sealed for
 * its next hop and written, or dropped when that link's queue is full (as the
 * TypeScript link drops). False: it goes up.
 */
static bool try_forward(link_t *from, uint8_t *frame, size_t frame_length) {
  host_t *h = from->host;
  size_t message_length = frame_length - FRAME_HEADER_BYTES - CHACHA_TAG_BYTES;
  const uint8_t *message = frame + FRAME_HEADER_BYTES;
  if (message_length < LINK_PAYLOAD_OVERHEAD + PACKET_HEADER_BYTES + DATA_MIN_BODY_BYTES) return false;
  if (message[0] != LINK_PROTOCOL_VERSION || message[1] != LINK_TYPE_PAYLOAD || message[2] != MESH_PACKET_CHANNEL) return false;
  uint8_t *packet = frame + FRAME_HEADER_BYTES + LINK_PAYLOAD_OVERHEAD;
  if (packet[0] != MESH_PACKET_VERSION || packet[1] != PACKET_TYPE_DATA || packet[2] != 0) return false;
  if (memcmp(packet + PACKET_DESTINATION_OFFSET, h->local_id, NODE_ID_BYTES) == 0) return false;
  if (memcmp(packet + PACKET_SOURCE_OFFSET, h->local_id, NODE_ID_BYTES) == 0) return false;
  if (packet[PACKET_HOP_LIMIT_OFFSET] <= 1) return false;
  link_t *to = route_lookup(h, packet + PACKET_DESTINATION_OFFSET);
  if (to == NULL || to == from || !link_can_send(to)) return false;
  if (to->tx_length + frame_length > to->queue_limit) {
    to->transit_dropped++;
    h->transit_dropped++;
    return true;
  }
  packet[PACKET_HOP_LIMIT_OFFSET]--;
  if (!seal_and_write(to, frame, frame_length)) return false;
  h->forwarded++;
  return true;
}

/*
 * Opens every whole frame in rx; relays what it can; moves the rest to the
 * front of rx, in order, for deliver_up. Returns the bytes to deliver, and
 * sets *failure (with *failure_message) when a frame failed: frames before
 * it are still delivered, nothing after it is looked at.
 */
static size_t open_frames(link_t *l, size_t *consumed, enum end_kind *failure, char *failure_message, size_t message_size) {
  size_t at = 0, up = 0;
  *failure = END_EOF;
  while (l->rx_filled - at >= FRAME_HEADER_BYTES) {
    uint32_t body = read_u32be(l->rx + at);
    if (body > MAX_FRAME_BYTES) {
      *failure = END_FRAME_TOO_LARGE;
      snprintf(failure_message, message_size, "link frame of %u bytes exceeds the maximum %u", body, (unsigned)MAX_FRAME_BYTES);
      break;
    }
    size_t frame_length = FRAME_HEADER_BYTES + body;
    if (l->rx_filled - at < frame_length) break;
    if (l->receive_counter >= l->message_limit) {
      *failure = END_NONCE_EXHAUSTED;
      snprintf(failure_message, message_size,
               "transport receive: message limit %llu reached; the link must be rekeyed or closed", (unsigned long long)l->message_limit);
      break;
    }
    uint8_t *frame = l->rx + at;
    uint8_t nonce[CHACHA_NONCE_BYTES];
    counter_nonce(nonce, l->receive_counter);
    if (body < CHACHA_TAG_BYTES ||
        !chacha_open(l->host->open_ctx, frame + FRAME_HEADER_BYTES, frame + FRAME_HEADER_BYTES, body - CHACHA_TAG_BYTES, NULL, 0, nonce, l->receive_key)) {
      *failure = END_AUTH;
      snprintf(failure_message, message_size,
               "transport receive: message %llu failed authentication (tampered, replayed, reordered or wrong key)", (unsigned long long)l->receive_counter);
      break;
    }
    l->receive_counter++;
    l->messages_received++;
    at += frame_length;
    if (body >= CHACHA_TAG_BYTES + 2 && (try_forward(l, frame, frame_length) || endpoint_try_deliver(l, frame, frame_length))) continue;
    if (up != at - frame_length) memmove(l->rx + up, frame, frame_length);
    up += frame_length;
  }
  *consumed = at;
  return up;
}

/* Process rx after a read; false once the link must stop (an end was reported or JavaScript destroyed it). */
static bool process_rx(link_t *l) {
  size_t consumed = 0;
  enum end_kind failure;
  char message[200];
  size_t up = open_frames(l, &consumed, &failure, message, sizeof message);
  /* The incomplete frame behind them, kept for the next read: moved first, delivery reads only [0, up). */
  size_t rest = l->rx_filled - consumed;
  if (up > 0) {
    deliver_up(l, up);
    if (l->destroyed) return false;
  }
  if (failure != END_EOF) {
    report_end(l, failure, message);
    return false;
  }
  if (rest > 0 && consumed > 0) memmove(l->rx, l->rx + consumed, rest);
  l->rx_filled = rest;
  return !l->ending && l->reading;
}

static void on_readable(link_t *l) {
  for (int i = 0; i < READS_PER_WAKEUP && l->reading; i++) {
    size_t room = RX_CAPACITY - l->rx_filled;
    ssize_t n = read(l->fd, l->rx + l->rx_filled, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      report_errno(l, "read", errno);
      return;
    }
    if (n == 0) {
      report_end(l, END_EOF, "peer closed the connection");
      return;
    }
    l->bytes_received += (uint64_t)n;
    if (l->ending) continue; /* closing: the bytes are read only to see the peer's EOF */
    l->rx_filled += (size_t)n;
    if (!process_rx(l)) return;
    if ((size_t)n < room) return; /* the socket is drained */
  }
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  link_t *l = handle->data;
  if (l->destroyed) return;
  if (status < 0) {
    /*
     * libuv reports any error on the socket (a reset, say) as a status and
     * stops the handle. Frames that came before the error are still to be
     * read: read until the socket says why, then report that reason.
     */
    l->poll_events = 0;
    l->tx_length = 0;
    if (l->reading) on_readable(l);
    if (l->destroyed || !l->reading) return;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err == 0) err = -status;
    report_errno(l, "socket", err);
    return;
  }
  if (l->pending_errno != 0) {
    int err = l->pending_errno;
    l->pending_errno = 0;
    l->tx_length = 0;
    l->reading = false;
    update_poll(l);
    report_errno(l, "write", err);
    return;
  }
  if (events & UV_WRITABLE) {
    int rc = flush(l);
    if (rc < 0) {
      l->tx_length = 0;
      l->reading = false;
      update_poll(l);
      report_errno(l, "write", -rc);
      return;
    }
    shut_if_flushed(l);
    if (l->tx_length == 0 && l->waits_drain && !l->ending) {
      l->waits_drain = false;
      report_drain(l);
      if (l->destroyed) return;
    }
  }
  if ((events & UV_READABLE) && l->reading) on_readable(l);
  if (!l->destroyed) update_poll(l);
}

/* ---- lifetime ---- */

static void link_free(uv_handle_t *handle) {
  link_t *l = handle->data;
  free(l->rx);
  free(l->tx);
  free(l);
}

static void link_destroy(link_t *l) {
  if (l->destroyed) return;
  l->destroyed = true;
  host_t *h = l->host;
  h->slots[(l->id & 0xffff) - 1] = NULL;
  uv_poll_stop(&l->poll);
  close(l->fd);
  OPENSSL_cleanse(l->send_key, sizeof l->send_key);
  OPENSSL_cleanse(l->receive_key, sizeof l->receive_key);
  uv_close((uv_handle_t *)&l->poll, link_free);
}

/* ---- the JavaScript API ---- */


napi_value throw_args(napi_env env, const char *message) {
  napi_throw_type_error(env, "SKEIN_LINK_ARGS", message);
  return NULL;
}

/* A typed array of element type `want`: its data and element count. */
bool get_typed(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return false;
  return type == want;
}

bool get_bytes(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  return get_typed(env, value, napi_uint8_array, (void **)data, length);
}

bool get_counter(napi_env env, napi_value value, uint64_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 || d != (double)(uint64_t)d) return false;
  *out = (uint64_t)d;
  return true;
}

static host_t *get_host(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) return NULL;
  host_t *h = data;
  return h->released ? NULL : h;
}

/* The call's arguments (exactly `count` of them into argv) and the host in argv[0], or NULL. */
host_t *host_call(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count) return NULL;
  return get_host(env, argv[0]);
}

/* A Float64Array of at least `min_length` elements, or NULL. */
double *get_doubles(napi_env env, napi_value value, size_t min_length) {
  size_t length = 0;
  double *out = NULL;
  return get_typed(env, value, napi_float64_array, (void **)&out, &length) && length >= min_length ? out : NULL;
}

static void host_release(host_t *h) {
  if (h->released) return;
  h->released = true;
  for (size_t i = 0; i < h->slot_count; i++) {
    if (h->slots[i] != NULL) link_destroy(h->slots[i]);
  }
  endpoint_free(h);
  napi_delete_reference(h->env, h->on_messages);
  napi_delete_reference(h->env, h->on_end);
  napi_delete_reference(h->env, h->on_drain);
  napi_async_destroy(h->env, h->async);
}

static void host_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  host_t *h = data;
  host_release(h);
  EVP_CIPHER_CTX_free(h->seal_ctx);
  EVP_CIPHER_CTX_free(h->open_ctx);
  free(h->slots);
  free(h->generations);
  free(h->routes);
  endpoint_free(h);
  free(h);
}

/* create(localId, onMessages(linkId, buffer), onEnd(linkId, kind, message), onDrain(linkId)) -> host */
static napi_value link_create(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *id;
  size_t id_length;
  if (argc != 4 || !get_bytes(env, argv[0], &id, &id_length) || id_length != NODE_ID_BYTES) {
    return throw_args(env, "create(localId: 16 bytes, onMessages, onEnd, onDrain)");
  }
  for (int i = 1; i < 4; i++) {
    napi_valuetype t;
    if (napi_typeof(env, argv[i], &t) != napi_ok || t != napi_function) return throw_args(env, "create: callbacks must be functions");
  }
  host_t *h = calloc(1, sizeof *h);
  if (h == NULL) return throw_args(env, "create: out of memory");
  h->env = env;
  memcpy(h->local_id, id, NODE_ID_BYTES);
  h->seal_ctx = chacha_context_new(1);
  h->open_ctx = chacha_context_new(0);
  if (h->seal_ctx == NULL || h->open_ctx == NULL || getrandom(&h->route_seed, sizeof h->route_seed, 0) != sizeof h->route_seed ||
      napi_get_uv_event_loop(env, &h->loop) != napi_ok) {
    EVP_CIPHER_CTX_free(h->seal_ctx);
    EVP_CIPHER_CTX_free(h->open_ctx);
    free(h);
    napi_throw_error(env, "SKEIN_LINK_ADDON", "create: no ChaCha20-Poly1305, randomness or event loop");
    return NULL;
  }
  napi_value name, external;
  CHECK(napi_create_reference(env, argv[1], 1, &h->on_messages));
  CHECK(napi_create_reference(env, argv[2], 1, &h->on_end));
  CHECK(napi_create_reference(env, argv[3], 1, &h->on_drain));
  CHECK(napi_create_string_utf8(env, "skein:link", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &h->async));
  CHECK(napi_create_external(env, h, host_finalize, NULL, &external));
  return external;
}

/* release(host): destroy every link and drop the callbacks (the daemon's stop). */
static napi_value link_release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  host_t *h = host_call(env, info, 1, argv);
  if (h != NULL) host_release(h);
  return NULL;
}

static bool take_slot(host_t *h, size_t *slot) {
  for (size_t i = 0; i < h->slot_count; i++) {
    if (h->slots[i] == NULL) {
      *slot = i;
      return true;
    }
  }
  if (h->slot_count >= MAX_LINKS) return false;
  size_t count = h->slot_count == 0 ? 16 : h->slot_count * 2;
  if (count > MAX_LINKS) count = MAX_LINKS;
  link_t **slots = realloc(h->slots, count * sizeof *slots);
  if (slots == NULL) return false;
  h->slots = slots;
  uint16_t *generations = realloc(h->generations, count * sizeof *generations);
  if (generations == NULL) return false;
  h->generations = generations;
  for (size_t i = h->slot_count; i < count; i++) {
    h->slots[i] = NULL;
    h->generations[i] = 0;
  }
  *slot = h->slot_count;
  h->slot_count = count;
  return true;
}

/*
 * attach(host, fd, sendKey, sendCounter, receiveKey, receiveCounter,
 *        messageLimit, queueLimit, leftover) -> linkId
 * The fd is duplicated: the caller closes its own. `leftover` is the bytes
 * of one incomplete frame already read from the socket (may be empty).
 */
static napi_value link_attach(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  host_t *h = host_call(env, info, 9, argv);
  int32_t fd = -1;
  uint8_t *send_key, *receive_key, *leftover;
  size_t send_key_length, receive_key_length, leftover_length;
  uint64_t send_counter, receive_counter, limit, queue_limit;
  if (h == NULL || napi_get_value_int32(env, argv[1], &fd) != napi_ok || fd < 0 ||
      !get_bytes(env, argv[2], &send_key, &send_key_length) || send_key_length != CHACHA_KEY_BYTES ||
      !get_counter(env, argv[3], &send_counter) ||
      !get_bytes(env, argv[4], &receive_key, &receive_key_length) || receive_key_length != CHACHA_KEY_BYTES ||
      !get_counter(env, argv[5], &receive_counter) || !get_counter(env, argv[6], &limit) || limit == 0 ||
      !get_counter(env, argv[7], &queue_limit) || queue_limit == 0 ||
      !get_bytes(env, argv[8], &leftover, &leftover_length) || leftover_length > FRAME_HEADER_BYTES + MAX_FRAME_BYTES) {
    return throw_args(env, "attach(host, fd, sendKey[32], sendCounter, receiveKey[32], receiveCounter, messageLimit, queueLimit, leftover)");
  }
  size_t slot;
  if (!take_slot(h, &slot)) {
    napi_throw_error(env, "SKEIN_LINK_LIMIT", "attach: no room for another native link");
    return NULL;
  }
  link_t *l = calloc(1, sizeof *l);
  uint8_t *rx = malloc(RX_CAPACITY);
  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (l == NULL || rx == NULL || dup_fd < 0) {
    int err = dup_fd < 0 ? errno : ENOMEM;
    if (dup_fd >= 0) close(dup_fd);
    free(l);
    free(rx);
    char message[120];
    snprintf(message, sizeof message, "attach: %s", strerror(err));
    napi_throw_error(env, "SKEIN_LINK_ATTACH", message);
    return NULL;
  }
  int flags = fcntl(dup_fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) fcntl(dup_fd, F_SETFL, flags | O_NONBLOCK);
  int rc = uv_poll_init(h->loop, &l->poll, dup_fd);
  if (rc != 0) {
    close(dup_fd);
    free(l);
    free(rx);
    char message[120];
    snprintf(message, sizeof message, "attach: uv_poll_init: %s", uv_strerror(rc));
    napi_throw_error(env, "SKEIN_LINK_ATTACH", message);
    return NULL;
  }
  l->poll.data = l;
  l->host = h;
  l->fd = dup_fd;
  l->rx = rx;
  memcpy(l->send_key, send_key, CHACHA_KEY_BYTES);
  memcpy(l->receive_key, receive_key, CHACHA_KEY_BYTES);
  l->send_counter = send_counter;
  l->receive_counter = receive_counter;
  l->message_limit = limit;
  l->queue_limit = (size_t)queue_limit;
  memcpy(l->rx, leftover, leftover_length);
  l->rx_filled = leftover_length;
  l->reading = true;
  h->generations[slot]++;
  l->id = ((uint32_t)h->generations[slot] << 16) | (uint32_t)(slot + 1);
  h->slots[slot] = l;
  update_poll(l);
  napi_value result;
  CHECK(napi_create_uint32(env, l->id, &result));
  return result;
}

/* send(host, linkId, frame) -> SEND_*: frame = u32 room || message || 16 bytes of room for the tag. */
static napi_value link_send(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  host_t *h = host_call(env, info, 3, argv);
  uint32_t id = 0;
  uint8_t *frame;
  size_t n;
  if (h == NULL || napi_get_value_uint32(env, argv[1], &id) != napi_ok || !get_bytes(env, argv[2], &frame, &n) ||
      n < FRAME_HEADER_BYTES + CHACHA_TAG_BYTES + 2 || n - FRAME_HEADER_BYTES > MAX_FRAME_BYTES) {
    return throw_args(env, "send(host, linkId, frame): frame of 4 + message (2.." "max) + 16 bytes");
  }
  link_t *l = link_by_id(h, id);
  enum send_result result;
  if (l == NULL || l->ending || l->pending_errno != 0) result = SEND_CLOSED;
  else if (!seal_and_write(l, frame, n)) result = SEND_EXHAUSTED;
  else if (l->tx_length >= TX_HIGH_WATER) {
    l->waits_drain = true;
    result = SEND_BLOCKED;
  } else result = SEND_OK;
  napi_value value;
  CHECK(napi_create_uint32(env, (uint32_t)result, &value));
  return value;
}

static link_t *link_argument(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  host_t *h = host_call(env, info, 2, argv);
  uint32_t id = 0;
  if (h == NULL || napi_get_value_uint32(env, argv[1], &id) != napi_ok) return NULL;
  return link_by_id(h, id);
}

/* end(host, linkId): flush the queue, then shut the write side; read on until the peer's EOF. */
static napi_value link_end(napi_env env, napi_callback_info info) {
  link_t *l = link_argument(env, info);
  if (l == NULL || l->ending) return NULL;
  l->ending = true;
  l->waits_drain = false;
  shut_if_flushed(l);
  update_poll(l);
  return NULL;
}

/* destroy(host, linkId): close at once, queue discarded, keys wiped. */
static napi_value link_destroy_js(napi_env env, napi_callback_info info) {
  link_t *l = link_argument(env, info);
  if (l != NULL) link_destroy(l);
  return NULL;
}

/* stats(host, linkId, out: Float64Array(6)): bytes/messages received, sent, queued bytes, transit dropped. */
static napi_value link_stats(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  host_t *h = host_call(env, info, 3, argv);
  uint32_t id = 0;
  double *out = h == NULL ? NULL : get_doubles(env, argv[2], 6);
  if (out == NULL || napi_get_value_uint32(env, argv[1], &id) != napi_ok) {
    return throw_args(env, "stats(host, linkId, Float64Array(6))");
  }
  link_t *l = link_by_id(h, id);
  napi_value found;
  CHECK(napi_get_boolean(env, l != NULL, &found));
  if (l == NULL) return found;
  out[0] = (double)l->bytes_received;
  out[1] = (double)l->messages_received;
  out[2] = (double)l->bytes_sent;
  out[3] = (double)l->messages_sent;
  out[4] = (double)l->tx_length;
  out[5] = (double)l->transit_dropped;
  return found;
}

/* counters(host, out: Float64Array(2)): packets relayed here, transit packets dropped for a full queue. */
static napi_value link_counters(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  host_t *h = host_call(env, info, 2, argv);
  double *out = h == NULL ? NULL : get_doubles(env, argv[1], 2);
  if (out == NULL) {
    return throw_args(env, "counters(host, Float64Array(2))");
  }
  out[0] = (double)h->forwarded;
  out[1] = (double)h->transit_dropped;
  return NULL;
}

/* setRoutes(host, ids: 16 bytes each, linkIds: Uint32Array): the whole table, replacing the last. */
static napi_value link_set_routes(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  host_t *h = host_call(env, info, 3, argv);
  uint8_t *ids;
  size_t ids_length = 0, count = 0;
  uint32_t *link_ids = NULL;
  if (h == NULL || !get_bytes(env, argv[1], &ids, &ids_length) ||
      !get_typed(env, argv[2], napi_uint32_array, (void **)&link_ids, &count) ||
      ids_length != count * NODE_ID_BYTES || count > MAX_ROUTES) {
    return throw_args(env, "setRoutes(host, ids: Uint8Array(16 n), linkIds: Uint32Array(n)), n <= 2^20");
  }
  route_t *table = NULL;
  size_t capacity = 0;
  if (count > 0) {
    capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    table = calloc(capacity, sizeof *table);
    if (table == NULL) {
      napi_throw_error(env, "SKEIN_LINK_ADDON", "setRoutes: out of memory");
      return NULL;
    }
    size_t mask = capacity - 1;
    for (size_t i = 0; i < count; i++) {
      if (link_ids[i] == 0) continue;
      const uint8_t *id = ids + i * NODE_ID_BYTES;
      size_t at = route_hash(h, id) & mask;
      while (table[at].link_id != 0 && memcmp(table[at].id, id, NODE_ID_BYTES) != 0) at = (at + 1) & mask;
      memcpy(table[at].id, id, NODE_ID_BYTES);
      table[at].link_id = link_ids[i];
    }
  }
  free(h->routes);
  h->routes = table;
  h->route_mask = capacity == 0 ? 0 : capacity - 1;
  return NULL;
}

/* layout(): the wire constants compiled in, so a test can hold them against the TypeScript ones. */
static napi_value link_layout(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, v;
  CHECK(napi_create_object(env, &out));
  const struct { const char *name; uint32_t value; } fields[] = {
      {"frameHeaderBytes", FRAME_HEADER_BYTES}, {"maxFrameBytes", MAX_FRAME_BYTES},
      {"linkProtocolVersion", LINK_PROTOCOL_VERSION}, {"linkTypePayload", LINK_TYPE_PAYLOAD},
      {"linkPayloadOverhead", LINK_PAYLOAD_OVERHEAD}, {"meshPacketChannel", MESH_PACKET_CHANNEL},
      {"meshPacketVersion", MESH_PACKET_VERSION}, {"packetTypeData", PACKET_TYPE_DATA},
      {"packetSourceOffset", PACKET_SOURCE_OFFSET}, {"packetDestinationOffset", PACKET_DESTINATION_OFFSET},
      {"packetHopLimitOffset", PACKET_HOP_LIMIT_OFFSET}, {"packetHeaderBytes", PACKET_HEADER_BYTES},
      {"dataMinBodyBytes", DATA_MIN_BODY_BYTES}, {"txHighWaterBytes", TX_HIGH_WATER},
      {"receiveBufferBytes", RX_CAPACITY}, {"maxLinks", MAX_LINKS}, {"maxRoutes", MAX_ROUTES},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    CHECK(napi_create_uint32(env, fields[i].value, &v));
    CHECK(napi_set_named_property(env, out, fields[i].name, v));
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, link_create, NULL, NULL, NULL, napi_default, NULL},
      {"release", NULL, link_release, NULL, NULL, NULL, napi_default, NULL},
      {"attach", NULL, link_attach, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, link_send, NULL, NULL, NULL, napi_default, NULL},
      {"end", NULL, link_end, NULL, NULL, NULL, napi_default, NULL},
      {"destroy", NULL, link_destroy_js, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, link_stats, NULL, NULL, NULL, napi_default, NULL},
      {"counters", NULL, link_counters, NULL, NULL, NULL, napi_default, NULL},
      {"setRoutes", NULL, link_set_routes, NULL, NULL, NULL, napi_default, NULL},
      {"layout", NULL, link_layout, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  if (!endpoint_define(env, exports)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
