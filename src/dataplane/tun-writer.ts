/**
 * The last stage of both pipelines that end at TUN (a delivered packet, a
 * Packet Too Big answer): writes are batched per event-loop turn, one write
 * call for everything that arrived together.
 */
import type { TunDevice } from './tun-device.js';

export class BatchedTunWriter {
  private device: TunDevice | undefined;
  private queued: Uint8Array[] = [];
  private flushScheduled = false;

  /** The device written to, or undefined while there is none (what is queued then is dropped). */
  attach(device: TunDevice | undefined): void {
    this.device = device;
  }

  get attached(): boolean {
    return this.device !== undefined;
  }

  /** Queue one whole IPv6 packet; it is the device's once queued (written as it is, no copy). */
  write(packet: Uint8Array): void {
    this.queued.push(packet);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.queued;
      this.queued = [];
      this.device?.write(batch);
    });
  }
}
