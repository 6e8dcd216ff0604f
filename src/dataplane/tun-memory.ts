/**
 * An in-memory TunDevice for unit tests of the pipelines: the test plays the
 * kernel. `inject` is the kernel sending packets out through the interface
 * (the device reads them); `takeWritten` is what the kernel received from
 * the device's writes. It behaves like the Linux device where a pipeline
 * could notice: batches of at most TUN_READ_BATCH delivered asynchronously
 * (never inside `inject`), receiver-owned bytes (copies), a bounded queue
 * (the kernel's qlen) that drops beyond, writes refused without throwing for
 * a malformed packet (EINVAL) or while the link is down (EIO).
 */
import { isIpv6Packet } from './ipv6.js';
import { DEFAULT_TUN_MTU } from './mtu.js';
import { NO_ROOM, TUN_READ_BATCH, type TunDevice, type TunStats, emptyTunStats } from './tun-device.js';

/** Packets the "kernel" queues for a device nobody reads (Linux's default TUN qlen). */
export const MEMORY_TUN_QUEUE_PACKETS = 500;

export interface MemoryTunOptions {
  name?: string;
  mtu?: number;
  queuePackets?: number;
}

export class MemoryTun implements TunDevice {
  readonly name: string;
  readonly mtu: number;
  readonly readRoom = NO_ROOM;
  private receiver: ((batch: Uint8Array[]) => void) | undefined;
  private readonly queue: Uint8Array[] = [];
  private readonly written: Uint8Array[] = [];
  private readonly queueLimit: number;
  private readonly counters: TunStats = emptyTunStats();
  private flushScheduled = false;
  private closed = false;
  private up = true;
  /** Packets the kernel side dropped because the queue was full. */
  queueDropped = 0;

  constructor(opts: MemoryTunOptions = {}) {
    this.name = opts.name ?? 'mem0';
    this.mtu = opts.mtu ?? DEFAULT_TUN_MTU;
    this.queueLimit = opts.queuePackets ?? MEMORY_TUN_QUEUE_PACKETS;
  }

  /** The kernel sends these out through the interface (copied: the device owns what it reads). */
  inject(packets: Uint8Array[]): void {
    if (this.closed) return;
    for (const p of packets) {
      if (this.queue.length >= this.queueLimit) this.queueDropped++;
      else this.queue.push(p.slice());
    }
    this.scheduleFlush();
  }

  /** Everything written since the last call, oldest first. */
  takeWritten(): Uint8Array[] {
    return this.written.splice(0);
  }

  /** Like `ip link set down`: writes fail with EIO until it is up again. */
  setLinkUp(up: boolean): void {
    this.up = up;
  }

  onPackets(cb: (batch: Uint8Array[]) => void): void {
    if (this.closed) return;
    this.receiver = cb;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.receiver || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.closed || !this.receiver) return;
      const batch = this.queue.splice(0, TUN_READ_BATCH);
      this.counters.readBatches++;
      this.counters.packetsRead += batch.length;
      for (const p of batch) this.counters.bytesRead += p.byteLength;
      this.receiver(batch);
      this.scheduleFlush();
    });
  }

  write(packets: Uint8Array[]): number {
    if (this.closed) return 0;
    let taken = 0;
    for (const p of packets) {
      if (!this.up || !isIpv6Packet(p)) {
        this.counters.writeDropped++;
        continue;
      }
      this.written.push(p.slice());
      taken++;
    }
    this.counters.packetsWritten += taken;
    return taken;
  }

  stats(): TunStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    this.closed = true;
    this.receiver = undefined;
    this.queue.length = 0;
    return Promise.resolve();
  }
}
