/**
 * The shipped TUN backend: the N-API addon built from native/tun.c by
 * `npm ci` (the root package's install script, scripts/build-native.mjs).
 * One uv_poll readiness wake-up reads up to a batch of packets on the event
 * loop thread and hands them to JavaScript in ONE callback, copied into one
 * fresh buffer with the requested room around each packet (so the receiver
 * owns them and can seal them in place); writes are a synchronous loop of
 * write(2) on the non-blocking fd.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { TunBackend } from './tun-backend.js';

/** Where node-gyp puts the addon, relative to this file in src/dataplane/ or dist/dataplane/. */
const ADDON_URL = new URL('../../build/Release/skein_tun.node', import.meta.url);
export const ADDON_PATH = fileURLToPath(ADDON_URL);

interface AddonReader {
  readonly _brand?: 'reader';
}

interface Addon {
  open(name: string): [number, string];
  startReader(
    fd: number, maxPacket: number, lengths: Uint32Array, cb: (buffer: Uint8Array, count: number) => void, headroom: number, tailroom: number,
    onError?: (status: number) => void, filter?: object,
  ): AddonReader;
  stopReader(reader: AddonReader): void;
  write(fd: number, packets: Uint8Array[]): number;
  lastWriteErrno(): number;
  close(fd: number): void;
  /** A non-blocking rtnetlink socket subscribed to link and IPv6 address changes (native/tun.c). */
  openLinkEvents(): number;
}

let loaded: Addon | undefined;

/** Load the addon; throws (with the path in the message) if it was not built. */
export function loadAddon(): Addon {
  loaded ??= createRequire(import.meta.url)(ADDON_PATH) as Addon;
  return loaded;
}

export function addonBackend(): TunBackend {
  const addon = loadAddon();
  return {
    kind: 'addon',
    open(name) {
      const [fd, actual] = addon.open(name);
      return { fd, name: actual };
    },
    startReader(fd, maxPacket, batch, room, onBatch, filter) {
      const lengths = new Uint32Array(batch);
      const { headroom, tailroom } = room;
      const reader = addon.startReader(fd, maxPacket, lengths, (buffer, count) => {
        const packets = new Array<Uint8Array>(count);
        let offset = buffer.byteOffset;
        for (let i = 0; i < count; i++) {
          const length = lengths[i]!;
          packets[i] = new Uint8Array(buffer.buffer, offset + headroom, length);
          offset += headroom + length + tailroom;
        }
        onBatch(packets);
      }, headroom, tailroom, undefined, filter);
      return () => {
        addon.stopReader(reader);
        return Promise.resolve();
      };
    },
    write: (fd, packets) => addon.write(fd, packets),
    lastWriteErrno: () => addon.lastWriteErrno(),
    close: (fd) => addon.close(fd),
  };
}
