/**
 * The FFI alternative to native/tun.c, kept for the benchmark only: koffi
 * (prebuilt, no compiler) calls libc directly. Opening is open + ioctl;
 * reading cannot be readiness-driven on the event loop through FFI, so a
 * worker thread loops on poll(100 ms) + non-blocking read, batches up to
 * `batch` packets into one ArrayBuffer and transfers it to the main thread
 * with postMessage (one message per batch, not per packet); writes are
 * synchronous FFI write(2) calls on the main thread.
 *
 * koffi is not a dependency: `npm i --no-save koffi@2` (or KOFFI_PATH=dir)
 * to run the comparison.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { TunBackend } from '../tun-backend.js';

const O_RDWR = 0o2;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const IFREQ_BYTES = 40;
const IFNAMSIZ = 16;
/** How long the reader worker blocks in poll before re-checking its stop flag. */
const POLL_TIMEOUT_MS = 100;
const MAX_SCRATCH_BYTES = 4 * 1024 * 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const libc = koffi.load('libc.so.6');
const poll = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');
const read = libc.func('long read(int fd, void *buf, unsigned long count)');
const { fd, maxPacket, batch, headroom, tailroom, scratchBytes, timeoutMs } = workerData;
const stop = new Int32Array(workerData.stop);
const pfd = Buffer.alloc(8);
pfd.writeInt32LE(fd, 0);
pfd.writeInt16LE(1, 4); // POLLIN
const scratch = Buffer.alloc(scratchBytes);
while (Atomics.load(stop, 0) === 0) {
  if (poll(pfd, 1, timeoutMs) <= 0) continue;
  let used = 0;
  const lengths = [];
  while (lengths.length < batch && used + headroom + maxPacket + tailroom <= scratch.length) {
    const n = Number(read(fd, scratch.subarray(used + headroom), maxPacket));
    if (n <= 0) break;
    lengths.push(n);
    used += headroom + n + tailroom;
  }
  if (lengths.length === 0) continue;
  const ab = new ArrayBuffer(used);
  new Uint8Array(ab).set(scratch.subarray(0, used));
  parentPort.postMessage({ ab, lengths }, [ab]);
}
`;

interface Koffi {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown };
  errno(): number;
}

export function koffiPath(): string {
  const require = createRequire(import.meta.url);
  return process.env.KOFFI_PATH ? require.resolve(process.env.KOFFI_PATH) : require.resolve('koffi');
}

export function koffiBackend(): TunBackend {
  const path = koffiPath();
  const koffi = createRequire(import.meta.url)(path) as Koffi;
  const libc = koffi.load('libc.so.6');
  const open = libc.func('int open(const char *path, int flags)') as (p: string, f: number) => number;
  const ioctl = libc.func('int ioctl(int fd, unsigned long request, ...)') as (...a: unknown[]) => number;
  const write = libc.func('long write(int fd, const void *buf, unsigned long count)') as (fd: number, b: Uint8Array, n: number) => number | bigint;
  const close = libc.func('int close(int fd)') as (fd: number) => number;
  let lastErrno = 0;
  const fail = (what: string): never => {
    const errno = koffi.errno();
    throw Object.assign(new Error(`${what}: errno ${errno}`), { errno });
  };
  return {
    kind: 'koffi',
    open(name) {
      const fd = open('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) fail('open /dev/net/tun');
      const ifr = Buffer.alloc(IFREQ_BYTES);
      ifr.write(name, 0, IFNAMSIZ - 1, 'latin1');
      ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI, IFNAMSIZ);
      if (ioctl(fd, TUNSETIFF, 'void *', ifr) < 0) {
        const err = koffi.errno();
        close(fd);
        throw Object.assign(new Error(`ioctl TUNSETIFF: errno ${err}`), { errno: err });
      }
      return { fd, name: ifr.toString('latin1', 0, IFNAMSIZ).replace(/\0.*$/s, '') };
    },
    startReader(fd, maxPacket, batch, room, onBatch) {
      const { headroom, tailroom } = room;
      const slot = headroom + maxPacket + tailroom;
      const stop = new SharedArrayBuffer(4);
      const scratchBytes = Math.min(MAX_SCRATCH_BYTES, Math.max(batch * slot, 4 * slot));
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { koffiPath: path, fd, maxPacket, batch, headroom, tailroom, scratchBytes, timeoutMs: POLL_TIMEOUT_MS, stop },
      });
      worker.on('message', ({ ab, lengths }: { ab: ArrayBuffer; lengths: number[] }) => {
        const packets = new Array<Uint8Array>(lengths.length);
        let offset = 0;
        for (let i = 0; i < lengths.length; i++) {
          packets[i] = new Uint8Array(ab, offset + headroom, lengths[i]!);
          offset += headroom + lengths[i]! + tailroom;
        }
        onBatch(packets);
      });
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      return async () => {
        Atomics.store(new Int32Array(stop), 0, 1);
        await exited;
      };
    },
    write(fd, packets) {
      let written = 0;
      for (const p of packets) {
        if (Number(write(fd, p, p.byteLength)) >= 0) written++;
        else lastErrno = koffi.errno();
      }
      return written;
    },
    lastWriteErrno: () => lastErrno,
    close(fd) {
      close(fd);
    },
  };
}
