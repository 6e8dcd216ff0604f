/*
 * The relay floor in C (src/bench/relay-floor.ts compiles it with `cc -O2`
 * at bench time): a plain TCP echo, relay or timing client, no crypto, no
 * TUN. Blocking sockets, one connection at a time, TCP_NODELAY everywhere:
 * the least a user-space process per hop can cost.
 *
 *   relay echo PORT                        answer every byte
 *   relay relay PORT NEXT                  forward both ways to NEXT:PORT
 *   relay relay-threads PORT NEXT          the same, each direction a thread
 *                                          blocked in read(2) instead of one
 *                                          poll(2) loop
 *   relay client PORT HOST WARMUP N:MS...  WARMUP round trips, then per
 *                                          phase N timed ones, each after a
 *                                          pause of MS; prints [[ms, ...], ...]
 *
 * The echo and the relays print "ready" once they listen.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE_BYTES 100
#define WARMUP_PAUSE_MS 5
#define BUFFER_BYTES 65536

static void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, strerror(errno));
  exit(1);
}

static void no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int listen_on(const char *port) {
  struct addrinfo hints = {.ai_family = AF_INET6, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
  struct addrinfo *ai;
  if (getaddrinfo(NULL, port, &hints, &ai) != 0) die("getaddrinfo");
  int fd = socket(ai->ai_family, ai->ai_socktype, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) die("bind");
  if (listen(fd, 4) < 0) die("listen");
  freeaddrinfo(ai);
  printf("ready\n");
  fflush(stdout);
  return fd;
}

static int dial(const char *host, const char *port) {
  struct addrinfo hints = {.ai_family = AF_INET6, .ai_socktype = SOCK_STREAM};
  struct addrinfo *ai;
  if (getaddrinfo(host, port, &hints, &ai) != 0) die("getaddrinfo");
  int fd = socket(ai->ai_family, ai->ai_socktype, 0);
  if (fd < 0) die("socket");
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) die("connect");
  freeaddrinfo(ai);
  no_delay(fd);
  return fd;
}

static int write_all(int fd, const char *buf, ssize_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, (size_t)n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    buf += w;
    n -= w;
  }
  return 0;
}

/* Copies what arrives on either socket to the other until one closes. */
static void pump(int a, int b) {
  static char buf[BUFFER_BYTES];
  struct pollfd fds[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; i++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0 || write_all(fds[1 - i].fd, buf, n) < 0) return;
    }
  }
}

/* One direction of a threaded relay: a blocking read, then the write, until either side closes. */
struct direction {
  int from, to;
};

static void *copy_direction(void *arg) {
  struct direction *d = arg;
  char *buf = malloc(BUFFER_BYTES);
  if (buf == NULL) die("malloc");
  ssize_t n;
  while ((n = read(d->from, buf, BUFFER_BYTES)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0 && write_all(d->to, buf, n) < 0) break;
  }
  free(buf);
  /* Wake the other direction out of its read. */
  shutdown(d->from, SHUT_RDWR);
  shutdown(d->to, SHUT_RDWR);
  return NULL;
}

/* The same copying as pump(), with a thread per direction parked in read(2): what a blocking read thread would gain over readiness polling. */
static void pump_threads(int a, int b) {
  struct direction up = {a, b}, down = {b, a};
  pthread_t other;
  if (pthread_create(&other, NULL, copy_direction, &down) != 0) die("pthread_create");
  copy_direction(&up);
  pthread_join(other, NULL);
}

static void serve(const char *port, const char *next, void (*copy)(int, int)) {
  int server = listen_on(port);
  static char buf[BUFFER_BYTES];
  for (;;) {
    int up = accept(server, NULL, NULL);
    if (up < 0) continue;
    no_delay(up);
    if (next) {
      int down = dial(next, port);
      copy(up, down);
      close(down);
    } else {
      ssize_t n;
      while ((n = read(up, buf, sizeof buf)) > 0)
        if (write_all(up, buf, n) < 0) break;
    }
    close(up);
  }
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void pause_ms(long ms) {
  struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) < 0 && errno == EINTR) {}
}

static void round_trip(int fd) {
  static char out[MESSAGE_BYTES], in[MESSAGE_BYTES];
  if (write_all(fd, out, MESSAGE_BYTES) < 0) die("write");
  for (ssize_t got = 0; got < MESSAGE_BYTES;) {
    ssize_t n = read(fd, in + got, (size_t)(MESSAGE_BYTES - got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("read");
    got += n;
  }
}

static void client(const char *port, const char *host, int warmup, int phases, char **specs) {
  int fd = dial(host, port);
  for (int i = 0; i < warmup; i++) {
    round_trip(fd);
    pause_ms(WARMUP_PAUSE_MS);
  }
  printf("[");
  for (int p = 0; p < phases; p++) {
    int count = 0;
    long ms = 0;
    if (sscanf(specs[p], "%d:%ld", &count, &ms) != 2) {
      fprintf(stderr, "bad phase '%s' (N:MS)\n", specs[p]);
      exit(2);
    }
    printf("%s[", p ? "," : "");
    for (int i = 0; i < count; i++) {
      pause_ms(ms);
      double t = now_ms();
      round_trip(fd);
      printf("%s%.6f", i ? "," : "", now_ms() - t);
    }
    printf("]");
  }
  printf("]\n");
  close(fd);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOFBF, BUFFER_BYTES);
  if (argc >= 3 && strcmp(argv[1], "echo") == 0) serve(argv[2], NULL, NULL);
  if (argc >= 4 && strcmp(argv[1], "relay") == 0) serve(argv[2], argv[3], pump);
  if (argc >= 4 && strcmp(argv[1], "relay-threads") == 0) serve(argv[2], argv[3], pump_threads);
  if (argc >= 5 && strcmp(argv[1], "client") == 0) {
    client(argv[2], argv[3], atoi(argv[4]), argc - 5, argv + 5);
    return 0;
  }
  fprintf(stderr, "usage: relay echo PORT | relay PORT NEXT | relay-threads PORT NEXT | client PORT HOST WARMUP N:MS...\n");
  return 2;
}
