/*
 * How the TUN reader (tun.c, the skein_tun addon) offers each packet it
 * reads to native code in another addon (endpoint.c, in skein_link) before
 * handing the rest up to JavaScript. JavaScript passes the filter, a
 * napi external made by skein_link, to startReader; both addons live in one
 * process and one event loop, so a function pointer is all it takes.
 */
#ifndef SKEIN_TUN_FILTER_H
#define SKEIN_TUN_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TUN_FILTER_MAGIC 0x736b6e66u /* "sknf": guards against any other external */

typedef struct {
  uint32_t magic;
  /*
   * packet[0, length) was read from TUN, with `headroom` spare bytes before
   * it and `tailroom` after it that the filter may write. True: the filter
   * took it (sent it, or dropped and counted it); false: the packet is
   * untouched and goes up as usual.
   */
  bool (*take)(void *context, uint8_t *packet, size_t length, size_t headroom, size_t tailroom);
  void *context;
} tun_filter_t;

#endif
