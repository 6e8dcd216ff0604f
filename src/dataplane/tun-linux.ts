/**
 * A Linux TUN interface: open (TUNSETIFF through a TunBackend), configure
 * (tun-config.ts), read in readiness-driven batches, write in batches,
 * remove on close (the device is not persistent: closing its only fd
 * deletes it).
 *
 * Every way this can fail before the device works (no /dev/net/tun, no
 * CAP_NET_ADMIN, addon not built, name taken, iproute2 refusing) is one
 * SkeinError SKEIN_ERR_TUN_UNAVAILABLE with a one-line reason, so the daemon
 * can run without the data plane and say why, once.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { addonBackend } from './tun-addon.js';
import type { TunBackend } from './tun-backend.js';
import { configureTun, type StepRunner } from './tun-config.js';
import {
  DEFAULT_TUN_NAME, INTERFACE_NAME, NO_ROOM, type NativeTunAccess, type NativeTunFilter, type ReadRoom, TUN_READ_BATCH, type TunDevice, type TunStats, emptyTunStats,
} from './tun-device.js';
import { DEFAULT_TUN_MTU, checkTunMtu } from './mtu.js';
import { watchInterfacePresence } from './tun-presence.js';
import type { InterfaceChangeFeed } from '../util/interface-change-feed.js';

export interface LinuxTunOptions {
  /** Interface name (default skein0). */
  name?: string;
  mtu?: number;
  /** The node's address (16 bytes). */
  address: Uint8Array;
  /** The cluster prefix routed onto the interface, e.g. "fd12:3456:789a::/48". */
  prefix: string;
  /** Defaults to the N-API addon. */
  backend?: TunBackend;
  /** Spare bytes to read each packet with, before and after (default none). */
  readRoom?: ReadRoom;
  /** Step by step through this runner; default: /proc writes and one `ip -batch` for the ip steps. */
  runStep?: StepRunner;
  /** The kernel's interface events, to notice the device deleted at once (else it is polled). */
  interfaceChanges?: InterfaceChangeFeed;
}

const ERRNO_REASONS: Readonly<Record<number, string>> = {
  1: 'not permitted: creating a TUN interface needs root (CAP_NET_ADMIN)', // EPERM
  2: '/dev/net/tun does not exist (no TUN support in this kernel or container)', // ENOENT
  13: 'permission denied on /dev/net/tun: needs root (CAP_NET_ADMIN)', // EACCES
  16: 'the interface name is already in use by another device or process', // EBUSY
  19: 'no TUN driver (is the tun module loaded?)', // ENODEV
};

function unavailable(name: string, err: unknown): SkeinError {
  const errno = (err as { errno?: number }).errno;
  const reason = (errno !== undefined && ERRNO_REASONS[errno]) || (err as Error).message;
  return new SkeinError(ErrorCodes.TUN_UNAVAILABLE, `TUN ${name} unavailable: ${reason}`, { cause: err });
}

function loadDefaultBackend(): TunBackend {
  try {
    return addonBackend();
  } catch (err) {
    throw new SkeinError(
      ErrorCodes.TUN_UNAVAILABLE,
      `TUN unavailable: the native addon is not built (npm ci builds it with node-gyp; run 'npm run build:native'): ${(err as Error).message.split('\n')[0]}`,
      { cause: err },
    );
  }
}

export async function openLinuxTun(opts: LinuxTunOptions): Promise<TunDevice> {
  const requested = opts.name ?? DEFAULT_TUN_NAME;
  if (!INTERFACE_NAME.test(requested)) {
    throw new SkeinError(ErrorCodes.CONFIG, `dataplane.tun: '${requested.slice(0, 40)}' is not an interface name (1-15 of A-Z a-z 0-9 _ . -)`);
  }
  const mtu = checkTunMtu(opts.mtu ?? DEFAULT_TUN_MTU);
  const backend = opts.backend ?? loadDefaultBackend();
  let opened: { fd: number; name: string };
  try {
    opened = backend.open(requested);
  } catch (err) {
    throw unavailable(requested, err);
  }
  try {
    await configureTun({ name: opened.name, mtu, address: opts.address, prefix: opts.prefix }, opts.runStep);
  } catch (err) {
    backend.close(opened.fd);
    throw err;
  }
  return new LinuxTun(backend, opened.fd, opened.name, mtu, opts.readRoom ?? NO_ROOM, opts.interfaceChanges);
}

class LinuxTun implements TunDevice {
  readonly native: NativeTunAccess;
  private readFilter: NativeTunFilter | undefined;
  private receiver: ((batch: Uint8Array[]) => void) | undefined;
  private stopReader: (() => Promise<void>) | undefined;
  private closing: Promise<void> | undefined;
  private stopPresenceWatch: (() => void) | undefined;
  private readonly counters: TunStats = emptyTunStats();

  constructor(
    private readonly backend: TunBackend, private readonly fd: number, readonly name: string, readonly mtu: number, readonly readRoom: Readonly<ReadRoom>,
    private readonly interfaceChanges?: InterfaceChangeFeed,
  ) {
    this.native = { fd, setReadFilter: (filter) => { this.readFilter = filter; } };
  }

  onPackets(cb: (batch: Uint8Array[]) => void): void {
    if (this.closing) return;
    this.receiver = cb;
    // A read buffer of MTU bytes holds any packet the kernel will hand us.
    this.stopReader ??= this.backend.startReader(this.fd, this.mtu, TUN_READ_BATCH, this.readRoom, (batch) => this.deliver(batch), this.readFilter);
  }

  private deliver(batch: Uint8Array[]): void {
    this.counters.readBatches++;
    this.counters.packetsRead += batch.length;
    for (const p of batch) this.counters.bytesRead += p.byteLength;
    this.receiver?.(batch);
  }

  write(packets: Uint8Array[]): number {
    if (this.closing || packets.length === 0) return 0;
    const written = this.backend.write(this.fd, packets);
    this.counters.packetsWritten += written;
    this.counters.writeDropped += packets.length - written;
    return written;
  }

  stats(): TunStats {
    return { ...this.counters };
  }

  onGone(cb: (reason: string) => void): void {
    if (this.closing) return;
    this.stopPresenceWatch?.();
    this.stopPresenceWatch = watchInterfacePresence(this.name, cb, this.interfaceChanges === undefined ? {} : { changes: this.interfaceChanges });
  }

  /** errno of the most recent refused write (EIO 5: link down; EINVAL 22: malformed; EAGAIN 11: queue full). */
  lastWriteErrno(): number {
    return this.backend.lastWriteErrno();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.receiver = undefined;
      this.stopPresenceWatch?.();
      await this.stopReader?.();
      this.backend.close(this.fd);
    })();
    return this.closing;
  }
}
