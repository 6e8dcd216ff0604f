/*
 * skein_heap: what the C allocator holds but does not use, and giving it back.
 *
 *   freeBytes()  -> bytes inside the allocator's arenas that are free
 *                   (mallinfo2: fordblks + fsmblks), or -1 where unknown
 *   inUseBytes() -> bytes the program holds allocated (mallinfo2: uordblks +
 *                   hblkhd, the mmapped chunks), or -1 where unknown
 *   trim()       -> true if malloc_trim(0) returned memory to the kernel
 *
 * Packet buffers are tens of kilobytes and die young. glibc serves them from
 * its heap (its mmap threshold rises to the largest buffer freed), and after a
 * burst the freed chunks sit between live ones, so the heap never shrinks from
 * its top: resident memory stays at the burst's peak. malloc_trim(0) releases
 * the free pages wherever they are (madvise), which brk trimming cannot.
 * Other C libraries (musl) have none of these calls: the byte counts are -1,
 * trim() false.
 */
#include <node_api.h>
#include <stdbool.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

enum heap_count { HEAP_FREE, HEAP_IN_USE };

/* One of mallinfo2's totals, or -1 where the C library has no mallinfo2. */
static double heap_bytes(enum heap_count which) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 info2 = mallinfo2();
  return which == HEAP_FREE ? (double)info2.fordblks + (double)info2.fsmblks : (double)info2.uordblks + (double)info2.hblkhd;
#else
  (void)which;
  return -1;
#endif
}

static napi_value number(napi_env env, double value) {
  napi_value result;
  if (napi_create_double(env, value, &result) != napi_ok) return NULL;
  return result;
}

static napi_value free_bytes(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, heap_bytes(HEAP_FREE));
}

static napi_value in_use_bytes(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, heap_bytes(HEAP_IN_USE));
}

static napi_value trim(napi_env env, napi_callback_info info) {
  bool released = false;
#if defined(__GLIBC__)
  released = malloc_trim(0) != 0;
#endif
  napi_value result;
  if (napi_get_boolean(env, released, &result) != napi_ok) return NULL;
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"freeBytes", NULL, free_bytes, NULL, NULL, NULL, napi_default, NULL},
      {"inUseBytes", NULL, in_use_bytes, NULL, NULL, NULL, napi_default, NULL},
      {"trim", NULL, trim, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
