/*
 * skein_link's endpoint half: the per-packet work of this node's own
 * end-to-end sessions, between its TUN device and its native links, in C
 * on the event loop that runs them.
 *
 * TypeScript keeps every decision (session/manager.ts): handshakes, which
 * keys are current, rekeying, the timers, the firewall, routing. What it
 * puts here is the state a packet needs:
 *
 *   keypairs  every session key pair, from its handshake on: both keys,
 *             the send counter and the replay window live only here, and
 *             TypeScript seals and opens through them too, so the two paths
 *             share one counter and one window
 *   peers     per member with sessions: its node id, its overlay address,
 *             which keypair is current, and its activity times, a
 *             Float64Array TypeScript's session timers read and write too
 *
 * With that, two paths run without JavaScript:
 *
 *   TUN read -> IPv6, size, destination address -> peer -> current keys
 *     may seal and need no rekey -> route to a native link that is not
 *     pushing back -> kind byte, session header, seal, link frame, all in
 *     the read's own room -> written
 *   link frame -> DATA for us under the peer's current keys, fresh counter
 *     -> opened (into scratch: the frame stays sealed) -> an IP payload
 *     -> replay window moves -> addresses checked -> TUN write
 *
 * Every other case goes up untouched, where TypeScript does what it always
 * did: another payload kind, a keepalive, keys that are next or previous
 * or due for a rekey, no TUN, a firewall with rules, a link with a queue,
 * a failed tag. Only the fast path's own outcomes (wrong destination,
 * spoofed source, a refused TUN write) are counted here.
 */
#include <math.h>

#include "link.h"
#include "tun-filter.h"

/* ---- the session wire, as the TypeScript constants define it (checked by a test through endpointLayout()) ---- */
#define DATA_RECEIVER_INDEX_OFFSET PACKET_HEADER_BYTES
#define DATA_COUNTER_OFFSET (DATA_RECEIVER_INDEX_OFFSET + 4)
#define DATA_CIPHERTEXT_OFFSET (DATA_COUNTER_OFFSET + 8)
#define PACKET_INVARIANT_BYTES PACKET_HOP_LIMIT_OFFSET
#define PAYLOAD_KIND_IP 4
#define IPV6_HEADER_BYTES 40
#define IPV6_PAYLOAD_LENGTH_OFFSET 4
#define IPV6_SOURCE_OFFSET 8
#define IPV6_DESTINATION_OFFSET 24
#define IPV6_MAX_PACKET_BYTES (IPV6_HEADER_BYTES + 0xffff)
#define ADDRESS_BYTES 16

/* A TUN packet sealed in place needs this much room: link frame header and link message header, session header, kind byte... */
#define SEND_HEADROOM (FRAME_HEADER_BYTES + LINK_PAYLOAD_OVERHEAD + DATA_CIPHERTEXT_OFFSET + 1)
/* ...and both tags behind it. */
#define SEND_TAILROOM (2 * CHACHA_TAG_BYTES)

/* The replay window of session/replay-window.ts: a ring of 64 blocks of 32 bits, one block slack. */
#define REPLAY_BLOCK_BITS 32
#define REPLAY_RING_BLOCKS 64
#define REPLAY_WINDOW (REPLAY_BLOCK_BITS * REPLAY_RING_BLOCKS - REPLAY_BLOCK_BITS)

/* Handles: generation << SLOT_BITS | (slot + 1); 0 is none. */
#define SLOT_BITS 20
#define MAX_SLOTS ((1u << SLOT_BITS) - 1)
#define FIRST_SLOTS 16

/* The peer's activity array (session/peer.ts PeerActivity), NaN for "none". */
enum { ACT_LAST_RECEIVED = 0, ACT_LAST_SENT = 1, ACT_UNANSWERED_SINCE = 2, ACT_AWAITING_REPLY_SINCE = 3, ACTIVITY_FIELDS = 4 };

/* What endpointCounters() reports, in this order. */
enum {
  COUNT_SENT, COUNT_DELIVERED, COUNT_IN_DELIVERED, COUNT_IN_WRONG_DESTINATION, COUNT_IN_SPOOFED,
  COUNT_TUN_PACKETS_READ, COUNT_TUN_BYTES_READ, COUNT_TUN_PACKETS_WRITTEN, COUNT_TUN_WRITE_DROPPED, COUNTERS
};

/* What keypairOpen() returns. */
enum { OPEN_OK = 0, OPEN_AUTH_FAILED = 1, OPEN_REPLAY = 2 };

typedef struct {
  uint32_t handle; /* 0: a free slot */
  uint32_t peer;
  uint32_t local_index, remote_index;
  uint8_t send_key[CHACHA_KEY_BYTES];
  uint8_t receive_key[CHACHA_KEY_BYTES];
  uint64_t send_counter, message_limit;
  uint32_t ring[REPLAY_RING_BLOCKS];
  int64_t highest; /* -1 before the first */
  double created_ms;
  bool initiator;
  int32_t next_in_bucket;
} keypair_t;

typedef struct {
  uint32_t handle;
  uint8_t id[NODE_ID_BYTES];
  uint8_t address[ADDRESS_BYTES];
  uint32_t current; /* keypair handle, 0 none */
  double *activity;
  napi_ref activity_ref;
  int32_t next_in_bucket;
} peer_t;

/* Slots of one kind, found by handle, and by a 32-bit index (keypairs) or an address (peers) through chained buckets. */
typedef struct {
  void *slots;
  size_t size; /* bytes per slot */
  uint16_t *generations;
  size_t count, used;
  int32_t *buckets;
  size_t bucket_mask;
} table_t;

struct endpoint {
  uint8_t own_address[ADDRESS_BYTES];
  double clock_offset_ms;
  double reject_after_ms, rekey_after_ms, rekey_after_messages, keepalive_ms, handshake_retry_ms;
  size_t max_ip_packet;
  uint8_t hop_limit;
  bool inbound_open, outbound_open;
  int tun_fd;
  table_t keypairs, peers;
  uint64_t hash_seed;
  EVP_CIPHER_CTX *seal_ctx, *open_ctx;
  uint8_t *scratch; /* one opened payload */
  uint64_t counters[COUNTERS];
};

/* ---- time: the same monotonic milliseconds as JavaScript's performance.now() ---- */

static double now_ms(const endpoint_t *e) {
  return (double)uv_hrtime() / 1e6 + e->clock_offset_ms;
}

/* ---- tables ---- */

static void *slot_at(const table_t *t, size_t i) {
  return (uint8_t *)t->slots + i * t->size;
}

/* Each slot struct starts with its handle; the chain link is found by offset. */
static uint32_t *handle_of(const table_t *t, size_t i) {
  return (uint32_t *)slot_at(t, i);
}

static void *by_handle(const table_t *t, uint32_t handle) {
  size_t slot = handle & MAX_SLOTS;
  if (handle == 0 || slot == 0 || slot > t->count) return NULL;
  return *handle_of(t, slot - 1) == handle ? slot_at(t, slot - 1) : NULL;
}

static size_t keypair_bucket(const endpoint_t *e, uint32_t local_index) {
  return (size_t)mix64((uint64_t)local_index ^ e->hash_seed) & e->keypairs.bucket_mask;
}

static size_t peer_bucket(const endpoint_t *e, const uint8_t *address) {
  uint64_t a, b;
  memcpy(&a, address, 8);
  memcpy(&b, address + 8, 8);
  return (size_t)mix64(a ^ mix64(b ^ e->hash_seed)) & e->peers.bucket_mask;
}

static size_t bucket_of(const endpoint_t *e, const table_t *t, size_t i) {
  if (t == &e->keypairs) return keypair_bucket(e, ((const keypair_t *)slot_at(t, i))->local_index);
  return peer_bucket(e, ((const peer_t *)slot_at(t, i))->address);
}

static int32_t *chain_of(const endpoint_t *e, const table_t *t, size_t i) {
  return t == &e->keypairs ? &((keypair_t *)slot_at(t, i))->next_in_bucket : &((peer_t *)slot_at(t, i))->next_in_bucket;
}

static void chain_in(endpoint_t *e, table_t *t, size_t i) {
  size_t b = bucket_of(e, t, i);
  *chain_of(e, t, i) = t->buckets[b];
  t->buckets[b] = (int32_t)i;
}

static void chain_out(endpoint_t *e, table_t *t, size_t i) {
  int32_t *at = &t->buckets[bucket_of(e, t, i)];
  while (*at >= 0 && (size_t)*at != i) at = chain_of(e, t, (size_t)*at);
  if (*at >= 0) *at = *chain_of(e, t, i);
}

/* A free slot (growing the table, its buckets rebuilt), or false at MAX_SLOTS or without memory. */
static bool take_free(endpoint_t *e, table_t *t, size_t *out) {
  for (size_t i = 0; t->used < t->count && i < t->count; i++) {
    if (*handle_of(t, i) == 0) {
      *out = i;
      return true;
    }
  }
  if (t->count >= MAX_SLOTS) return false;
  size_t count = t->count == 0 ? FIRST_SLOTS : t->count * 2;
  if (count > MAX_SLOTS) count = MAX_SLOTS;
  size_t buckets = 16;
  while (buckets < count * 2) buckets *= 2;
  void *slots = realloc(t->slots, count * t->size);
  if (slots == NULL) return false;
  t->slots = slots;
  uint16_t *generations = realloc(t->generations, count * sizeof *generations);
  if (generations == NULL) return false;
  t->generations = generations;
  int32_t *chains = malloc(buckets * sizeof *chains);
  if (chains == NULL) return false;
  memset(slot_at(t, t->count), 0, (count - t->count) * t->size);
  for (size_t i = t->count; i < count; i++) t->generations[i] = 0;
  free(t->buckets);
  t->buckets = chains;
  t->bucket_mask = buckets - 1;
  for (size_t i = 0; i < buckets; i++) t->buckets[i] = -1;
  *out = t->count;
  t->count = count;
  for (size_t i = 0; i < *out; i++) {
    if (*handle_of(t, i) != 0) chain_in(e, t, i);
  }
  return true;
}

static uint32_t claim(table_t *t, size_t i) {
  t->generations[i] = (uint16_t)((t->generations[i] + 1) & 0xfff);
  if (t->generations[i] == 0) t->generations[i] = 1;
  uint32_t handle = ((uint32_t)t->generations[i] << SLOT_BITS) | (uint32_t)(i + 1);
  *handle_of(t, i) = handle;
  t->used++;
  return handle;
}

static size_t index_of(const table_t *t, const void *slot) {
  return (size_t)((const uint8_t *)slot - (const uint8_t *)t->slots) / t->size;
}

static keypair_t *keypair_by_index(const endpoint_t *e, uint32_t local_index) {
  if (e->keypairs.buckets == NULL) return NULL;
  for (int32_t i = e->keypairs.buckets[keypair_bucket(e, local_index)]; i >= 0;) {
    keypair_t *k = slot_at(&e->keypairs, (size_t)i);
    if (k->local_index == local_index) return k;
    i = k->next_in_bucket;
  }
  return NULL;
}

static peer_t *peer_by_address(const endpoint_t *e, const uint8_t *address) {
  if (e->peers.buckets == NULL) return NULL;
  for (int32_t i = e->peers.buckets[peer_bucket(e, address)]; i >= 0;) {
    peer_t *p = slot_at(&e->peers, (size_t)i);
    if (memcmp(p->address, address, ADDRESS_BYTES) == 0) return p;
    i = p->next_in_bucket;
  }
  return NULL;
}

static void keypair_remove(endpoint_t *e, keypair_t *k) {
  size_t i = index_of(&e->keypairs, k);
  chain_out(e, &e->keypairs, i);
  peer_t *p = by_handle(&e->peers, k->peer);
  if (p != NULL && p->current == k->handle) p->current = 0;
  OPENSSL_cleanse(k, sizeof *k);
  e->keypairs.used--;
}

static void peer_remove(napi_env env, endpoint_t *e, peer_t *p) {
  size_t i = index_of(&e->peers, p);
  chain_out(e, &e->peers, i);
  for (size_t j = 0; j < e->keypairs.count; j++) {
    keypair_t *k = slot_at(&e->keypairs, j);
    if (k->handle != 0 && k->peer == p->handle) keypair_remove(e, k);
  }
  if (p->activity_ref != NULL) napi_delete_reference(env, p->activity_ref);
  memset(p, 0, sizeof *p);
  e->peers.used--;
}

/* ---- the replay window (session/replay-window.ts, counter for counter) ---- */

static bool replay_check(const keypair_t *k, uint64_t counter) {
  if (counter >= k->message_limit) return false;
  if ((int64_t)counter > k->highest) return true;
  if ((uint64_t)k->highest - counter > REPLAY_WINDOW) return false;
  return (k->ring[(counter / REPLAY_BLOCK_BITS) % REPLAY_RING_BLOCKS] & (1u << (counter % REPLAY_BLOCK_BITS))) == 0;
}

static bool replay_accept(keypair_t *k, uint64_t counter) {
  if (!replay_check(k, counter)) return false;
  if ((int64_t)counter > k->highest) {
    int64_t current_block = k->highest < 0 ? -1 : k->highest / REPLAY_BLOCK_BITS;
    int64_t target_block = (int64_t)(counter / REPLAY_BLOCK_BITS);
    int64_t steps = target_block - current_block;
    if (steps > REPLAY_RING_BLOCKS) steps = REPLAY_RING_BLOCKS;
    for (int64_t i = 1; i <= steps; i++) k->ring[(target_block - steps + i) % REPLAY_RING_BLOCKS] = 0;
    k->highest = (int64_t)counter;
  }
  k->ring[(counter / REPLAY_BLOCK_BITS) % REPLAY_RING_BLOCKS] |= 1u << (counter % REPLAY_BLOCK_BITS);
  return true;
}

/* ---- sealing and opening DATA packets (session/keypair.ts) ---- */

/*
 * packet[0, length): a DATA packet whose header is written and whose
 * plaintext sits at DATA_CIPHERTEXT_OFFSET, with the tag's room at the end.
 * Writes the receiver index and the next counter, seals in place (AD: the
 * invariant header bytes). Returns the counter, or -1 when the keys are spent.
 */
static int64_t seal_data(endpoint_t *e, keypair_t *k, uint8_t *packet, size_t length) {
  if (k->send_counter >= k->message_limit) return -1;
  uint64_t counter = k->send_counter++;
  write_u32be(packet + DATA_RECEIVER_INDEX_OFFSET, k->remote_index);
  write_u32be(packet + DATA_COUNTER_OFFSET, (uint32_t)(counter >> 32));
  write_u32be(packet + DATA_COUNTER_OFFSET + 4, (uint32_t)counter);
  uint8_t nonce[CHACHA_NONCE_BYTES];
  counter_nonce(nonce, counter);
  uint8_t *body = packet + DATA_CIPHERTEXT_OFFSET;
  size_t plain = length - DATA_CIPHERTEXT_OFFSET - CHACHA_TAG_BYTES;
  if (!chacha_seal(e->seal_ctx, body, body, plain, packet, PACKET_INVARIANT_BYTES, nonce, k->send_key)) return -1;
  return (int64_t)counter;
}

/* Authenticate packet's ciphertext into out[0, length - 64); the window is not touched. */
static bool open_data(endpoint_t *e, const keypair_t *k, const uint8_t *packet, size_t length, uint64_t counter, uint8_t *out) {
  uint8_t nonce[CHACHA_NONCE_BYTES];
  counter_nonce(nonce, counter);
  size_t plain = length - DATA_CIPHERTEXT_OFFSET - CHACHA_TAG_BYTES;
  return chacha_open(e->open_ctx, out, packet + DATA_CIPHERTEXT_OFFSET, plain, packet, PACKET_INVARIANT_BYTES, nonce, k->receive_key);
}

/* ---- the fast paths ---- */

/* dataplane/ipv6.ts isIpv6Packet: version 6 and a payload length that matches. */
static bool is_ipv6_packet(const uint8_t *p, size_t n) {
  if (n < IPV6_HEADER_BYTES || n > IPV6_MAX_PACKET_BYTES || (p[0] >> 4) != 6) return false;
  size_t payload = ((size_t)p[IPV6_PAYLOAD_LENGTH_OFFSET] << 8) | p[IPV6_PAYLOAD_LENGTH_OFFSET + 1];
  return IPV6_HEADER_BYTES + payload == n;
}

static double age_ms(const keypair_t *k, double now) {
  return now - k->created_ms;
}

/* The keys may seal this packet and will not need a rekey after it (manager.ts send, core.ts needsRekey). */
static bool seals_without_rekey(const endpoint_t *e, const keypair_t *k, double now) {
  double age = age_ms(k, now);
  if (age >= e->reject_after_ms || k->send_counter >= k->message_limit) return false;
  if ((double)(k->send_counter + 1) >= e->rekey_after_messages) return false;
  return !(k->initiator && age >= e->rekey_after_ms);
}

/* The tun_filter_t take(): a packet an application sent, sealed and written here when nothing needs TypeScript. */
static bool take_from_tun(void *context, uint8_t *ip, size_t n, size_t headroom, size_t tailroom) {
  host_t *h = context;
  endpoint_t *e = h->endpoint;
  if (h->released || e == NULL || !e->outbound_open || headroom < SEND_HEADROOM || tailroom < SEND_TAILROOM) return false;
  if (n > e->max_ip_packet || !is_ipv6_packet(ip, n)) return false;
  peer_t *p = peer_by_address(e, ip + IPV6_DESTINATION_OFFSET);
  keypair_t *k = p == NULL ? NULL : by_handle(&e->keypairs, p->current);
  if (k == NULL) return false;
  double now = now_ms(e);
  if (!seals_without_rekey(e, k, now)) return false;
  link_t *to = route_lookup(h, p->id);
  size_t frame_length = SEND_HEADROOM + n + SEND_TAILROOM;
  /* A link whose JavaScript queue waits for a drain keeps its order: the packet queues behind it, up there. */
  if (to == NULL || !link_can_send(to) || to->waits_drain || to->tx_length >= TX_HIGH_WATER ||
      to->tx_length + frame_length > to->queue_limit) {
    return false;
  }
  uint8_t *frame = ip - SEND_HEADROOM;
  uint8_t *message = frame + FRAME_HEADER_BYTES;
  message[0] = LINK_PROTOCOL_VERSION;
  message[1] = LINK_TYPE_PAYLOAD;
  message[2] = MESH_PACKET_CHANNEL;
  uint8_t *packet = message + LINK_PAYLOAD_OVERHEAD;
  packet[0] = MESH_PACKET_VERSION;
  packet[1] = PACKET_TYPE_DATA;
  packet[2] = 0;
  memcpy(packet + PACKET_SOURCE_OFFSET, h->local_id, NODE_ID_BYTES);
  memcpy(packet + PACKET_DESTINATION_OFFSET, p->id, NODE_ID_BYTES);
  packet[PACKET_HOP_LIMIT_OFFSET] = e->hop_limit;
  ip[-1] = PAYLOAD_KIND_IP;
  e->counters[COUNT_TUN_PACKETS_READ]++;
  e->counters[COUNT_TUN_BYTES_READ] += n;
  /* Past this point the plaintext is given up: a seal that fails is a dropped packet, not one to hand up. */
  if (seal_data(e, k, packet, DATA_CIPHERTEXT_OFFSET + 1 + n + CHACHA_TAG_BYTES) < 0) return true;
  if (!seal_and_write(to, frame, frame_length)) return true;
  e->counters[COUNT_SENT]++;
  double *activity = p->activity;
  activity[ACT_LAST_SENT] = now;
  activity[ACT_UNANSWERED_SINCE] = NAN;
  if (isnan(activity[ACT_AWAITING_REPLY_SINCE])) activity[ACT_AWAITING_REPLY_SINCE] = now;
  return true;
}

bool endpoint_try_deliver(link_t *from, uint8_t *frame, size_t frame_length) {
  host_t *h = from->host;
  endpoint_t *e = h->endpoint;
  if (e == NULL || e->tun_fd < 0 || !e->inbound_open) return false;
  size_t message_length = frame_length - FRAME_HEADER_BYTES - CHACHA_TAG_BYTES;
  const uint8_t *message = frame + FRAME_HEADER_BYTES;
  if (message_length < LINK_PAYLOAD_OVERHEAD + DATA_CIPHERTEXT_OFFSET + 1 + IPV6_HEADER_BYTES + CHACHA_TAG_BYTES) return false;
  if (message[0] != LINK_PROTOCOL_VERSION || message[1] != LINK_TYPE_PAYLOAD || message[2] != MESH_PACKET_CHANNEL) return false;
  const uint8_t *packet = message + LINK_PAYLOAD_OVERHEAD;
  size_t packet_length = message_length - LINK_PAYLOAD_OVERHEAD;
  if (packet[0] != MESH_PACKET_VERSION || packet[1] != PACKET_TYPE_DATA || packet[2] != 0) return false;
  if (memcmp(packet + PACKET_DESTINATION_OFFSET, h->local_id, NODE_ID_BYTES) != 0) return false;
  keypair_t *k = keypair_by_index(e, read_u32be(packet + DATA_RECEIVER_INDEX_OFFSET));
  peer_t *p = k == NULL ? NULL : by_handle(&e->peers, k->peer);
  /* Only the current keys: a responder's next keys are confirmed, and previous ones retired, up there. */
  if (p == NULL || p->current != k->handle || memcmp(packet + PACKET_SOURCE_OFFSET, p->id, NODE_ID_BYTES) != 0) return false;
  uint64_t counter = ((uint64_t)read_u32be(packet + DATA_COUNTER_OFFSET) << 32) | read_u32be(packet + DATA_COUNTER_OFFSET + 4);
  double now = now_ms(e);
  double age = age_ms(k, now);
  if (age >= e->reject_after_ms || !replay_check(k, counter)) return false;
  /* An initiator that only receives renews its keys before they expire (core.ts onAuthenticatedData): up there. */
  if (k->initiator && age >= e->reject_after_ms - e->keepalive_ms - e->handshake_retry_ms) return false;
  size_t plain = packet_length - DATA_CIPHERTEXT_OFFSET - CHACHA_TAG_BYTES;
  if (plain > LINK_PAYLOAD_MAX_BYTES || !open_data(e, k, packet, packet_length, counter, e->scratch)) return false;
  /* Another kind (an echo, a datagram) goes up still sealed, and is opened there against the same window. */
  if (e->scratch[0] != PAYLOAD_KIND_IP) return false;
  replay_accept(k, counter);
  double *activity = p->activity;
  activity[ACT_LAST_RECEIVED] = now;
  activity[ACT_AWAITING_REPLY_SINCE] = NAN;
  if (isnan(activity[ACT_UNANSWERED_SINCE])) activity[ACT_UNANSWERED_SINCE] = now;
  e->counters[COUNT_DELIVERED]++;
  const uint8_t *ip = e->scratch + 1;
  size_t ip_length = plain - 1;
  /* dataplane/addressing.ts checkInboundAddresses: for us, and from the peer's own address. */
  if (memcmp(ip + IPV6_DESTINATION_OFFSET, e->own_address, ADDRESS_BYTES) != 0) {
    e->counters[COUNT_IN_WRONG_DESTINATION]++;
    return true;
  }
  if (!is_ipv6_packet(ip, ip_length) || memcmp(ip + IPV6_SOURCE_OFFSET, p->address, ADDRESS_BYTES) != 0) {
    e->counters[COUNT_IN_SPOOFED]++;
    return true;
  }
  e->counters[COUNT_IN_DELIVERED]++;
  ssize_t written;
  do {
    written = write(e->tun_fd, ip, ip_length);
  } while (written < 0 && errno == EINTR);
  e->counters[written < 0 ? COUNT_TUN_WRITE_DROPPED : COUNT_TUN_PACKETS_WRITTEN]++;
  return true;
}

/* ---- lifetime ---- */

void endpoint_free(host_t *h) {
  endpoint_t *e = h->endpoint;
  if (e == NULL) return;
  h->endpoint = NULL;
  for (size_t i = 0; i < e->peers.count; i++) {
    peer_t *p = slot_at(&e->peers, i);
    if (p->handle != 0 && p->activity_ref != NULL) napi_delete_reference(h->env, p->activity_ref);
  }
  if (e->keypairs.slots != NULL) OPENSSL_cleanse(e->keypairs.slots, e->keypairs.count * e->keypairs.size);
  free(e->keypairs.slots);
  free(e->keypairs.generations);
  free(e->keypairs.buckets);
  free(e->peers.slots);
  free(e->peers.generations);
  free(e->peers.buckets);
  if (e->scratch != NULL) OPENSSL_cleanse(e->scratch, LINK_PAYLOAD_MAX_BYTES);
  free(e->scratch);
  EVP_CIPHER_CTX_free(e->seal_ctx);
  EVP_CIPHER_CTX_free(e->open_ctx);
  free(e);
}

/* ---- the JavaScript API ---- */

static endpoint_t *endpoint_call(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  host_t *h = host_call(env, info, count, argv);
  return h == NULL ? NULL : h->endpoint;
}

static bool get_u32(napi_env env, napi_value value, uint32_t *out) {
  return napi_get_value_uint32(env, value, out) == napi_ok;
}

static napi_value uint32_value(napi_env env, uint32_t v) {
  napi_value out;
  return napi_create_uint32(env, v, &out) == napi_ok ? out : NULL;
}

/*
 * endpointSetup(host, ownAddress[16], settings: Float64Array(8)) with
 * settings = [nowMs, rejectAfterMs, rekeyAfterMs, rekeyAfterMessages,
 * keepaliveMs, handshakeRetryMs, maxIpPacketBytes, hopLimit]. Once per host;
 * both fast paths start closed (endpointOpen) and without TUN (endpointTun).
 */
static napi_value endpoint_setup(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  host_t *h = host_call(env, info, 3, argv);
  uint8_t *address;
  size_t address_length;
  double *s = h == NULL ? NULL : get_doubles(env, argv[2], 8);
  if (s == NULL || !get_bytes(env, argv[1], &address, &address_length) || address_length != ADDRESS_BYTES ||
      !(s[1] > 0) || !(s[2] > 0) || !(s[3] > 0) || !(s[4] > 0) || !(s[5] > 0) || !(s[6] >= IPV6_HEADER_BYTES) ||
      s[6] > LINK_PAYLOAD_MAX_BYTES || !(s[7] >= 1 && s[7] <= 255)) {
    return throw_args(env, "endpointSetup(host, ownAddress: 16 bytes, Float64Array [now, rejectAfterMs, rekeyAfterMs, rekeyAfterMessages, keepaliveMs, handshakeRetryMs, maxIpPacket, hopLimit])");
  }
  if (h->endpoint != NULL) return throw_args(env, "endpointSetup: already set up");
  endpoint_t *e = calloc(1, sizeof *e);
  if (e == NULL) return throw_args(env, "endpointSetup: out of memory");
  e->scratch = malloc(LINK_PAYLOAD_MAX_BYTES);
  e->seal_ctx = chacha_context_new(1);
  e->open_ctx = chacha_context_new(0);
  h->endpoint = e;
  if (e->scratch == NULL || e->seal_ctx == NULL || e->open_ctx == NULL || getrandom(&e->hash_seed, sizeof e->hash_seed, 0) != sizeof e->hash_seed) {
    endpoint_free(h);
    napi_throw_error(env, "SKEIN_LINK_ADDON", "endpointSetup: no memory, ChaCha20-Poly1305 or randomness");
    return NULL;
  }
  memcpy(e->own_address, address, ADDRESS_BYTES);
  e->clock_offset_ms = s[0] - (double)uv_hrtime() / 1e6;
  e->reject_after_ms = s[1];
  e->rekey_after_ms = s[2];
  e->rekey_after_messages = s[3];
  e->keepalive_ms = s[4];
  e->handshake_retry_ms = s[5];
  e->max_ip_packet = (size_t)s[6];
  e->hop_limit = (uint8_t)s[7];
  e->tun_fd = -1;
  e->keypairs.size = sizeof(keypair_t);
  e->peers.size = sizeof(peer_t);
  return NULL;
}

/* endpointOpen(host, inbound, outbound): may packets pass each way without the firewall (it has no rules)? */
static napi_value endpoint_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  endpoint_t *e = endpoint_call(env, info, 3, argv);
  bool inbound = false, outbound = false;
  if (e == NULL || napi_get_value_bool(env, argv[1], &inbound) != napi_ok || napi_get_value_bool(env, argv[2], &outbound) != napi_ok) {
    return throw_args(env, "endpointOpen(host, inbound: boolean, outbound: boolean)");
  }
  e->inbound_open = inbound;
  e->outbound_open = outbound;
  return NULL;
}

/* endpointTun(host, fd): the TUN device delivered packets are written to (-1: none). */
static napi_value endpoint_tun(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  endpoint_t *e = endpoint_call(env, info, 2, argv);
  int32_t fd = -1;
  if (e == NULL || napi_get_value_int32(env, argv[1], &fd) != napi_ok || fd < -1) return throw_args(env, "endpointTun(host, fd or -1)");
  e->tun_fd = fd;
  return NULL;
}

/* The filter a TUN reader holds: it keeps the host alive, whose endpoint may be gone by then (take_from_tun checks). */
typedef struct {
  tun_filter_t filter; /* first: tun.c reads the external's data as a tun_filter_t */
  napi_ref host;
} filter_holder_t;

static void filter_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  filter_holder_t *holder = data;
  napi_delete_reference(env, holder->host);
  free(holder);
}

/* tunFilter(host) -> the external startReader of skein_tun takes (tun-filter.h). */
static napi_value endpoint_tun_filter(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  host_t *h = host_call(env, info, 1, argv);
  if (h == NULL || h->endpoint == NULL) return throw_args(env, "tunFilter(host): the endpoint is not set up");
  filter_holder_t *holder = calloc(1, sizeof *holder);
  if (holder == NULL) return throw_args(env, "tunFilter: out of memory");
  holder->filter.magic = TUN_FILTER_MAGIC;
  holder->filter.take = take_from_tun;
  holder->filter.context = h;
  napi_value external;
  if (napi_create_reference(env, argv[0], 1, &holder->host) != napi_ok) {
    free(holder);
    return throw_args(env, "tunFilter: N-API reference failed");
  }
  if (napi_create_external(env, holder, filter_finalize, NULL, &external) != napi_ok) {
    napi_delete_reference(env, holder->host);
    free(holder);
    return throw_args(env, "tunFilter: N-API external failed");
  }
  return external;
}

/* peerAdd(host, id[16], address[16], activity: Float64Array(4)) -> handle */
static napi_value peer_add(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  endpoint_t *e = endpoint_call(env, info, 4, argv);
  uint8_t *id, *address;
  size_t id_length, address_length;
  double *activity = e == NULL ? NULL : get_doubles(env, argv[3], ACTIVITY_FIELDS);
  if (activity == NULL || !get_bytes(env, argv[1], &id, &id_length) || id_length != NODE_ID_BYTES ||
      !get_bytes(env, argv[2], &address, &address_length) || address_length != ADDRESS_BYTES) {
    return throw_args(env, "peerAdd(host, id: 16 bytes, address: 16 bytes, activity: Float64Array(4))");
  }
  if (peer_by_address(e, address) != NULL) return throw_args(env, "peerAdd: a peer with this address is already added");
  size_t i;
  if (!take_free(e, &e->peers, &i)) return throw_args(env, "peerAdd: no room for another peer");
  peer_t *p = slot_at(&e->peers, i);
  memcpy(p->id, id, NODE_ID_BYTES);
  memcpy(p->address, address, ADDRESS_BYTES);
  p->activity = activity;
  p->current = 0;
  if (napi_create_reference(env, argv[3], 1, &p->activity_ref) != napi_ok) return throw_args(env, "peerAdd: N-API reference failed");
  uint32_t handle = claim(&e->peers, i);
  chain_in(e, &e->peers, i);
  return uint32_value(env, handle);
}

/* peerRemove(host, peer): the peer and every keypair of its, wiped. */
static napi_value peer_remove_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  endpoint_t *e = endpoint_call(env, info, 2, argv);
  uint32_t handle = 0;
  if (e == NULL || !get_u32(env, argv[1], &handle)) return throw_args(env, "peerRemove(host, peer)");
  peer_t *p = by_handle(&e->peers, handle);
  if (p != NULL) peer_remove(env, e, p);
  return NULL;
}

/* peerCurrent(host, peer, keypair or 0): the keys the peer's packets are sealed with now. */
static napi_value peer_current(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  endpoint_t *e = endpoint_call(env, info, 3, argv);
  uint32_t handle = 0, keypair = 0;
  if (e == NULL || !get_u32(env, argv[1], &handle) || !get_u32(env, argv[2], &keypair)) return throw_args(env, "peerCurrent(host, peer, keypair or 0)");
  peer_t *p = by_handle(&e->peers, handle);
  if (p == NULL) return NULL;
  keypair_t *k = by_handle(&e->keypairs, keypair);
  p->current = k != NULL && k->peer == handle ? keypair : 0;
  return NULL;
}

/*
 * keypairAdd(host, peer, localIndex, remoteIndex, sendKey[32], receiveKey[32],
 *            initiator, createdMs, messageLimit) -> handle
 */
static napi_value keypair_add(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  endpoint_t *e = endpoint_call(env, info, 9, argv);
  uint32_t peer = 0, local_index = 0, remote_index = 0;
  uint8_t *send_key, *receive_key;
  size_t send_length, receive_length;
  bool initiator = false;
  double created = 0;
  uint64_t limit = 0;
  if (e == NULL || !get_u32(env, argv[1], &peer) || !get_u32(env, argv[2], &local_index) || !get_u32(env, argv[3], &remote_index) ||
      !get_bytes(env, argv[4], &send_key, &send_length) || send_length != CHACHA_KEY_BYTES ||
      !get_bytes(env, argv[5], &receive_key, &receive_length) || receive_length != CHACHA_KEY_BYTES ||
      napi_get_value_bool(env, argv[6], &initiator) != napi_ok || napi_get_value_double(env, argv[7], &created) != napi_ok ||
      !isfinite(created) || !get_counter(env, argv[8], &limit)) {
    return throw_args(env, "keypairAdd(host, peer, localIndex, remoteIndex, sendKey[32], receiveKey[32], initiator, createdMs, messageLimit)");
  }
  if (by_handle(&e->peers, peer) == NULL) return throw_args(env, "keypairAdd: no such peer");
  if (keypair_by_index(e, local_index) != NULL) return throw_args(env, "keypairAdd: the local index is taken");
  size_t i;
  if (!take_free(e, &e->keypairs, &i)) return throw_args(env, "keypairAdd: no room for another keypair");
  keypair_t *k = slot_at(&e->keypairs, i);
  k->peer = peer;
  k->local_index = local_index;
  k->remote_index = remote_index;
  memcpy(k->send_key, send_key, CHACHA_KEY_BYTES);
  memcpy(k->receive_key, receive_key, CHACHA_KEY_BYTES);
  k->send_counter = 0;
  k->message_limit = limit;
  memset(k->ring, 0, sizeof k->ring);
  k->highest = -1;
  k->created_ms = created;
  k->initiator = initiator;
  uint32_t handle = claim(&e->keypairs, i);
  chain_in(e, &e->keypairs, i);
  return uint32_value(env, handle);
}

static keypair_t *keypair_argument(napi_env env, napi_callback_info info, size_t count, napi_value *argv, endpoint_t **endpoint) {
  endpoint_t *e = endpoint_call(env, info, count, argv);
  uint32_t handle = 0;
  if (e == NULL || !get_u32(env, argv[1], &handle)) return NULL;
  *endpoint = e;
  return by_handle(&e->keypairs, handle);
}

/* keypairRemove(host, keypair): keys wiped, index freed. */
static napi_value keypair_remove_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  endpoint_t *e = NULL;
  keypair_t *k = keypair_argument(env, info, 2, argv, &e);
  if (k != NULL) keypair_remove(e, k);
  return NULL;
}

/* keypairSeal(host, keypair, packet) -> counter, or -1 (keys gone or spent). See seal_data. */
static napi_value keypair_seal(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  endpoint_t *e = NULL;
  keypair_t *k = keypair_argument(env, info, 3, argv, &e);
  uint8_t *packet;
  size_t length;
  if (!get_bytes(env, argv[2], &packet, &length) || length < DATA_CIPHERTEXT_OFFSET + CHACHA_TAG_BYTES) {
    return throw_args(env, "keypairSeal(host, keypair, packet: header, prefix room, plaintext, tag room)");
  }
  int64_t counter = k == NULL ? -1 : seal_data(e, k, packet, length);
  napi_value out;
  CHECK(napi_create_double(env, (double)counter, &out));
  return out;
}

/* keypairOpen(host, keypair, packet, counter) -> OPEN_*: in place; the window moves only for an authentic packet. */
static napi_value keypair_open(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  endpoint_t *e = NULL;
  keypair_t *k = keypair_argument(env, info, 4, argv, &e);
  uint8_t *packet;
  size_t length;
  uint64_t counter = 0;
  if (!get_bytes(env, argv[2], &packet, &length) || length < DATA_CIPHERTEXT_OFFSET + CHACHA_TAG_BYTES || !get_counter(env, argv[3], &counter)) {
    return throw_args(env, "keypairOpen(host, keypair, packet, counter)");
  }
  uint32_t result;
  if (k == NULL || counter >= k->message_limit) result = OPEN_AUTH_FAILED;
  else if (!replay_check(k, counter)) result = OPEN_REPLAY;
  else if (!open_data(e, k, packet, length, counter, packet + DATA_CIPHERTEXT_OFFSET)) result = OPEN_AUTH_FAILED;
  else result = replay_accept(k, counter) ? OPEN_OK : OPEN_REPLAY;
  return uint32_value(env, result);
}

/* keypairFresh(host, keypair, counter) -> would the window take it? */
static napi_value keypair_fresh(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  endpoint_t *e = NULL;
  keypair_t *k = keypair_argument(env, info, 3, argv, &e);
  uint64_t counter = 0;
  bool fresh = k != NULL && get_counter(env, argv[2], &counter) && replay_check(k, counter);
  napi_value out;
  CHECK(napi_get_boolean(env, fresh, &out));
  return out;
}

/* keypairSent(host, keypair) -> packets sealed so far (-1: no such keypair). */
static napi_value keypair_sent(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  endpoint_t *e = NULL;
  keypair_t *k = keypair_argument(env, info, 2, argv, &e);
  napi_value out;
  CHECK(napi_create_double(env, k == NULL ? -1 : (double)k->send_counter, &out));
  return out;
}

/* endpointCounters(host, out: Float64Array(9)): see COUNT_*. */
static napi_value endpoint_counters(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  endpoint_t *e = endpoint_call(env, info, 2, argv);
  double *out = e == NULL ? NULL : get_doubles(env, argv[1], COUNTERS);
  if (out == NULL) return throw_args(env, "endpointCounters(host, Float64Array(9))");
  for (int i = 0; i < COUNTERS; i++) out[i] = (double)e->counters[i];
  return NULL;
}

/* endpointLayout(): the constants compiled in, for a test to hold against the TypeScript ones. */
static napi_value endpoint_layout(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, v;
  CHECK(napi_create_object(env, &out));
  const struct { const char *name; uint32_t value; } fields[] = {
      {"dataReceiverIndexOffset", DATA_RECEIVER_INDEX_OFFSET}, {"dataCounterOffset", DATA_COUNTER_OFFSET},
      {"dataCiphertextOffset", DATA_CIPHERTEXT_OFFSET}, {"packetInvariantBytes", PACKET_INVARIANT_BYTES},
      {"payloadKindIp", PAYLOAD_KIND_IP}, {"sendHeadroom", SEND_HEADROOM}, {"sendTailroom", SEND_TAILROOM},
      {"replayWindow", REPLAY_WINDOW}, {"maxSlots", MAX_SLOTS}, {"counters", COUNTERS},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    CHECK(napi_create_uint32(env, fields[i].value, &v));
    CHECK(napi_set_named_property(env, out, fields[i].name, v));
  }
  return out;
}

bool endpoint_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"endpointSetup", NULL, endpoint_setup, NULL, NULL, NULL, napi_default, NULL},
      {"endpointOpen", NULL, endpoint_open, NULL, NULL, NULL, napi_default, NULL},
      {"endpointTun", NULL, endpoint_tun, NULL, NULL, NULL, napi_default, NULL},
      {"tunFilter", NULL, endpoint_tun_filter, NULL, NULL, NULL, napi_default, NULL},
      {"peerAdd", NULL, peer_add, NULL, NULL, NULL, napi_default, NULL},
      {"peerRemove", NULL, peer_remove_js, NULL, NULL, NULL, napi_default, NULL},
      {"peerCurrent", NULL, peer_current, NULL, NULL, NULL, napi_default, NULL},
      {"keypairAdd", NULL, keypair_add, NULL, NULL, NULL, napi_default, NULL},
      {"keypairRemove", NULL, keypair_remove_js, NULL, NULL, NULL, napi_default, NULL},
      {"keypairSeal", NULL, keypair_seal, NULL, NULL, NULL, napi_default, NULL},
      {"keypairOpen", NULL, keypair_open, NULL, NULL, NULL, napi_default, NULL},
      {"keypairFresh", NULL, keypair_fresh, NULL, NULL, NULL, napi_default, NULL},
      {"keypairSent", NULL, keypair_sent, NULL, NULL, NULL, napi_default, NULL},
      {"endpointCounters", NULL, endpoint_counters, NULL, NULL, NULL, napi_default, NULL},
      {"endpointLayout", NULL, endpoint_layout, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
