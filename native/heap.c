/*
 * skein_heap: what the C allocator holds but does not use, and giving it back.
 *
 *   freeBytes()  -> bytes inside the allocator's arenas that are free
 *                   (mallinfo2: fordblks + fsmblks), or -1 where unknown
 *   inUseBytes() -> bytes the program holds allocated (mallinfo2: uordblks +
 *                   hblkhd, the mmapped chunks), or -1 where unknown
 *   trim()       -> true if malloc_trim(0) returned memory to the kernel
 *   releaseProgramPages()
 *                -> bytes of the executable's mapped pages dropped from this
 *                   process (-1 where /proc/self/smaps cannot be read)
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/*
 * The Node.js executable is ~100 MB of code and read-only data (V8, ICU,
 * OpenSSL, the embedded builtins). Start-up touches about 40 MiB of it, and
 * those pages stay mapped, counted in this process's resident memory, though
 * a running node uses about half. MADV_DONTNEED takes the pages out of this
 * process's page tables: they stay in the page cache, shared with any other
 * node process, and the ones still in use come back on first touch as minor
 * faults (no disk read). Only mappings of the executable that cannot be
 * written and hold no private copy of a page (smaps "Anonymous: 0") are
 * touched: for those, dropping a page can never lose data (a relocated,
 * then write-protected RELRO page is a private copy and is left alone).
 */
#define MAX_PROGRAM_MAPPINGS 64

struct mapping {
  unsigned long start, end;
  long rss_kib;
};

static double release_program_pages_now(void) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = '\0';
  FILE *smaps = fopen("/proc/self/smaps", "re");
  if (smaps == NULL) return -1;
  struct mapping found[MAX_PROGRAM_MAPPINGS];
  size_t count = 0;
  char line[4352];
  bool candidate = false;
  struct mapping current = {0, 0, 0};
  while (fgets(line, sizeof line, smaps) != NULL) {
    unsigned long start, end;
    char perms[5];
    int path_at = 0;
    if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) == 3 && path_at > 0) {
      char *path = line + path_at;
      path[strcspn(path, "\n")] = '\0';
      candidate = perms[1] != 'w' && strcmp(path, exe) == 0;
      current = (struct mapping){start, end, 0};
      continue;
    }
    if (!candidate) continue;
    long kib;
    if (sscanf(line, "Rss: %ld kB", &kib) == 1) current.rss_kib = kib;
    if (sscanf(line, "Anonymous: %ld kB", &kib) == 1) {
      if (kib == 0 && current.rss_kib > 0 && count < MAX_PROGRAM_MAPPINGS) found[count++] = current;
      candidate = false;
    }
  }
  fclose(smaps);
  double released = 0;
  for (size_t i = 0; i < count; i++) {
    if (madvise((void *)found[i].start, found[i].end - found[i].start, MADV_DONTNEED) == 0) released += (double)found[i].rss_kib * 1024;
  }
  return released;
}

static napi_value release_program_pages(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, release_program_pages_now());
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"freeBytes", NULL, free_bytes, NULL, NULL, NULL, napi_default, NULL},
      {"inUseBytes", NULL, in_use_bytes, NULL, NULL, NULL, napi_default, NULL},
      {"trim", NULL, trim, NULL, NULL, NULL, napi_default, NULL},
      {"releaseProgramPages", NULL, release_program_pages, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
