/*
 * skein_tun: the smallest native piece the TUN data plane needs.
 *
 *   open(name)                      -> [fd, actualName]   TUNSETIFF(IFF_TUN | IFF_NO_PI), O_NONBLOCK
 *   startReader(fd, maxPacket, lengths, callback[, headroom, tailroom[, onError[, filter]]]) -> reader
 *        uv_poll on the fd; when readable, read() up to lengths.length packets
 *        (one readiness wake-up, no threadpool), copy them into ONE fresh,
 *        uninitialised Buffer, each packet with `headroom` spare bytes before
 *        it and `tailroom` after it (so JavaScript can seal and frame it in
 *        place), put the sizes in `lengths` (a Uint32Array the caller owns)
 *        and call callback(buffer, count). When the fd reports an error, libuv
 *        stops polling it; onError(status), if given, is told so once.
 *        filter, if given (skein_link's tunFilter, tun-filter.h), is
 *        offered each packet first, in place; what it takes never goes up.
 *   stopReader(reader)              stops polling (idempotent); the fd stays open
 *   write(fd, packets[])            -> packets written; a packet the kernel
 *        refuses (EIO while down, EINVAL when malformed, EAGAIN when the queue
 *        is full) is skipped, never thrown: the caller counts the shortfall
 *   lastWriteErrno()                -> errno of the most recent refused write (0 if none)
 *   close(fd)
 *   openLinkEvents()                -> fd of a non-blocking rtnetlink socket
 *        subscribed to link and IPv6 address changes in the caller's network
 *        namespace; read it with startReader: each batch says "something
 *        changed", and the caller lists the interfaces again (it never parses
 *        the messages)
 *
 * Everything else (addresses, MTU, up) is done from JavaScript with iproute2.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "tun-filter.h"

#define MAX_BATCH 256
#define MAX_PACKET_LIMIT (256 * 1024)
#define MAX_ROOM 1024

#define CHECK(call)                                              \
  do {                                                           \
    if ((call) != napi_ok) {                                     \
      napi_throw_error(env, "SKEIN_TUN_NAPI", #call " failed"); \
      return NULL;                                               \
    }                                                            \
  } while (0)

static int last_write_errno = 0;

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error, errno_value;
  napi_create_string_utf8(env, "SKEIN_TUN_ERRNO", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_throw(env, error);
  return NULL;
}

static napi_value tun_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ];
  size_t name_len = 0;
  memset(name, 0, sizeof name);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(name): name must be a string");
    return NULL;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open /dev/net/tun", errno);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(ifr.ifr_name, name, name_len < IFNAMSIZ ? name_len : IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "ioctl TUNSETIFF", err);
  }
  napi_value result, fd_value, name_value;
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_create_int32(env, fd, &fd_value));
  CHECK(napi_create_string_utf8(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ), &name_value));
  CHECK(napi_set_element(env, result, 0, fd_value));
  CHECK(napi_set_element(env, result, 1, name_value));
  return result;
}

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_ref lengths_ref;
  napi_ref on_error; /* NULL unless startReader was given one */
  napi_ref filter_ref; /* NULL unless startReader was given a filter */
  const tun_filter_t *filter;
  napi_async_context async;
  uint32_t *lengths;
  size_t max_batch;
  size_t max_packet;
  size_t headroom;
  size_t tailroom;
  uint8_t *scratch;
  size_t scratch_bytes;
  int fd;
  int stopped;
} reader_t;

static void reader_free(uv_handle_t *handle) {
  reader_t *r = (reader_t *)handle->data;
  free(r->scratch);
  free(r);
}

static void reader_release(reader_t *r) {
  if (r->stopped) return;
  r->stopped = 1;
  uv_poll_stop(&r->poll);
  napi_delete_reference(r->env, r->callback);
  napi_delete_reference(r->env, r->lengths_ref);
  if (r->on_error != NULL) napi_delete_reference(r->env, r->on_error);
  if (r->filter_ref != NULL) napi_delete_reference(r->env, r->filter_ref);
  napi_async_destroy(r->env, r->async);
  uv_close((uv_handle_t *)&r->poll, reader_free);
}

/* Calls one of the reader's JavaScript callbacks (inside the caller's handle
   scope); an exception it throws is Node's uncaught exception, as for any
   event callback. */
static void call_into_js(reader_t *r, napi_ref ref, size_t argc, napi_value *argv) {
  napi_env env = r->env;
  napi_value callback, recv, ignored;
  napi_get_reference_value(env, ref, &callback);
  napi_get_global(env, &recv); /* make_callback wants an object receiver */
  if (napi_make_callback(env, r->async, recv, callback, argc, argv, &ignored) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

/* libuv has stopped polling (an error on the fd): tell JavaScript, when it asked to be told. */
static void report_poll_error(reader_t *r, int status) {
  if (r->on_error == NULL) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(r->env, &scope) != napi_ok) return;
  napi_value code;
  napi_create_int32(r->env, status, &code);
  call_into_js(r, r->on_error, 1, &code);
  napi_close_handle_scope(r->env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  reader_t *r = (reader_t *)handle->data;
  if (r->stopped) return;
  (void)events;
  if (status < 0) {
    report_poll_error(r, status);
    return;
  }
  size_t count = 0, used = 0, reads = 0;
  size_t slot_overhead = r->headroom + r->tailroom;
  /* At most max_batch reads per wake-up, taken by the filter or not: the loop serves other handles between. */
  while (reads < r->max_batch && used + slot_overhead + r->max_packet <= r->scratch_bytes) {
    ssize_t n = read(r->fd, r->scratch + used + r->headroom, r->max_packet);
    if (n < 0) {
      if (errno == EINTR) continue;
      break; /* EAGAIN: drained; anything else: surfaces on the next wake-up or close */
    }
    reads++;
    if (n == 0) continue; /* an empty read carries no packet */
    if (r->filter != NULL && r->filter->take(r->filter->context, r->scratch + used + r->headroom, (size_t)n, r->headroom, r->tailroom)) continue;
    r->lengths[count++] = (uint32_t)n;
    used += slot_overhead + (size_t)n;
  }
  if (count == 0) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  void *data = NULL;
  napi_value buffer, count_value;
  /* Uninitialised: every byte JavaScript sends (packet, headers, tags) is written first. */
  if (napi_create_buffer(env, used, &data, &buffer) == napi_ok) {
    memcpy(data, r->scratch, used);
    napi_create_uint32(env, (uint32_t)count, &count_value);
    napi_value argv[2] = {buffer, count_value};
    call_into_js(r, r->callback, 2, argv);
  }
  napi_close_handle_scope(env, scope);
}

static void reader_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader_release((reader_t *)data);
}

static napi_value tun_start_reader(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd = -1;
  uint32_t max_packet = 0, headroom = 0, tailroom = 0;
  napi_typedarray_type type;
  size_t batch = 0;
  void *lengths = NULL;
  napi_valuetype cb_type;
  if (argc < 4 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &max_packet) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &batch, &lengths, NULL, NULL) != napi_ok ||
      napi_typeof(env, argv[3], &cb_type) != napi_ok || type != napi_uint32_array ||
      cb_type != napi_function || fd < 0 || max_packet == 0 || max_packet > MAX_PACKET_LIMIT ||
      batch == 0 || batch > MAX_BATCH ||
      (argc >= 6 && (napi_get_value_uint32(env, argv[4], &headroom) != napi_ok ||
                     napi_get_value_uint32(env, argv[5], &tailroom) != napi_ok)) ||
      headroom > MAX_ROOM || tailroom > MAX_ROOM) {
    napi_throw_type_error(env, NULL, "startReader(fd, maxPacket, Uint32Array(1..256), callback[, headroom, tailroom <= 1024[, onError[, filter]]])");
    return NULL;
  }
  napi_valuetype on_error_type = napi_undefined;
  if (argc >= 7 && (napi_typeof(env, argv[6], &on_error_type) != napi_ok ||
                    (on_error_type != napi_function && on_error_type != napi_undefined))) {
    napi_throw_type_error(env, NULL, "startReader: onError must be a function");
    return NULL;
  }
  void *filter = NULL;
  napi_valuetype filter_type = napi_undefined;
  if (argc >= 8 && (napi_typeof(env, argv[7], &filter_type) != napi_ok ||
                    (filter_type == napi_external && (napi_get_value_external(env, argv[7], &filter) != napi_ok || filter == NULL ||
                                                      ((const tun_filter_t *)filter)->magic != TUN_FILTER_MAGIC)) ||
                    (filter_type != napi_external && filter_type != napi_undefined))) {
    napi_throw_type_error(env, NULL, "startReader: filter must be a TUN filter (skein_link tunFilter)");
    return NULL;
  }
  reader_t *r = calloc(1, sizeof *r);
  if (r == NULL) return throw_errno(env, "startReader", ENOMEM);
  r->env = env;
  r->fd = fd;
  r->max_batch = batch;
  r->max_packet = max_packet;
  r->headroom = headroom;
  r->tailroom = tailroom;
  r->lengths = (uint32_t *)lengths;
  /* Room for a full batch of small packets, but never more than 4 MiB: a
     batch of jumbo packets simply ends early. */
  size_t slot = (size_t)headroom + max_packet + tailroom;
  size_t want = batch * slot;
  r->scratch_bytes = want < slot * 4 ? slot * 4 : want;
  if (r->scratch_bytes > 4u * 1024 * 1024) r->scratch_bytes = 4u * 1024 * 1024;
  if (r->scratch_bytes < slot) r->scratch_bytes = slot;
  r->scratch = malloc(r->scratch_bytes);
  uv_loop_t *loop = NULL;
  napi_value resource_name, handle;
  if (r->scratch == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    free(r->scratch);
    free(r);
    return throw_errno(env, "startReader", ENOMEM);
  }
  int rc = uv_poll_init(loop, &r->poll, fd);
  if (rc != 0) {
    free(r->scratch);
    free(r);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  r->poll.data = r;
  CHECK(napi_create_reference(env, argv[3], 1, &r->callback));
  CHECK(napi_create_reference(env, argv[2], 1, &r->lengths_ref));
  if (on_error_type == napi_function) CHECK(napi_create_reference(env, argv[6], 1, &r->on_error));
  if (filter != NULL) {
    CHECK(napi_create_reference(env, argv[7], 1, &r->filter_ref));
    r->filter = filter;
  }
  CHECK(napi_create_string_utf8(env, "skein:tun-read", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(napi_async_init(env, NULL, resource_name, &r->async));
  rc = uv_poll_start(&r->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    reader_release(r);
    return throw_errno(env, "uv_poll_start", -rc);
  }
  CHECK(napi_create_object(env, &handle));
  CHECK(napi_wrap(env, handle, r, reader_finalize, NULL, NULL));
  return handle;
}

static napi_value tun_stop_reader(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  if (argc < 1 || napi_remove_wrap(env, argv[0], &data) != napi_ok || data == NULL) return NULL;
  reader_release((reader_t *)data);
  return NULL;
}

static napi_value tun_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd = -1;
  uint32_t length = 0;
  bool is_array = false;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "write(fd, Uint8Array[])");
    return NULL;
  }
  uint32_t written = 0;
  for (uint32_t i = 0; i < length; i++) {
    napi_value element;
    napi_typedarray_type type;
    size_t count = 0, offset = 0;
    void *data = NULL;
    napi_value arraybuffer;
    if (napi_get_element(env, argv[1], i, &element) != napi_ok ||
        napi_get_typedarray_info(env, element, &type, &count, &data, &arraybuffer, &offset) != napi_ok ||
        type != napi_uint8_array) {
      last_write_errno = EINVAL;
      continue;
    }
    ssize_t n;
    do {
      n = write(fd, data, count);
    } while (n < 0 && errno == EINTR);
    if (n < 0) last_write_errno = errno;
    else written++;
  }
  napi_value result;
  CHECK(napi_create_uint32(env, written, &result));
  return result;
}

static napi_value tun_last_write_errno(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_int32(env, last_write_errno, &result));
  return result;
}

static napi_value tun_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "close(fd)");
    return NULL;
  }
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

static napi_value tun_open_link_events(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return throw_errno(env, "socket(AF_NETLINK)", errno);
  struct sockaddr_nl addr;
  memset(&addr, 0, sizeof addr);
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK | RTMGRP_IPV6_IFADDR;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind(AF_NETLINK)", err);
  }
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, tun_open, NULL, NULL, NULL, napi_default, NULL},
      {"startReader", NULL, tun_start_reader, NULL, NULL, NULL, napi_default, NULL},
      {"stopReader", NULL, tun_stop_reader, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, tun_write, NULL, NULL, NULL, napi_default, NULL},
      {"lastWriteErrno", NULL, tun_last_write_errno, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, tun_close, NULL, NULL, NULL, napi_default, NULL},
      {"openLinkEvents", NULL, tun_open_link_events, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
