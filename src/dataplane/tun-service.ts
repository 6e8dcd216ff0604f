/**
 * The TUN device as a service of the node: opened with TUN_READ_ROOM
 * around every packet it reads (wire/packet-room.ts), its read batches fed
 * to the send pipeline, its writes done by the receive pipeline's last
 * stage (tun-writer.ts). Without root or /dev/net/tun the node runs without
 * it and says so once; the userspace API (skein ping, datagrams) keeps
 * working. A device deleted under the running node (`ip link del`) is
 * reported at error level and re-created, retrying with a growing delay.
 */
import type { SendPipeline } from './send-pipeline.js';
import type { MeshLink } from './ports.js';
import type { TunDevice, TunFactory, TunOpenRequest, TunStats } from './tun-device.js';
import type { BatchedTunWriter } from './tun-writer.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ErrorCodes, isSkeinError, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { TUN_READ_ROOM } from '../wire/packet-room.js';

export interface TunServiceOptions<L extends MeshLink> {
  /** False: the node runs without a TUN device (tun.enabled = false). */
  enabled: boolean;
  open: TunFactory;
  request: Omit<TunOpenRequest, 'readRoom'>;
  /** The node's address as text (for the log). */
  addressText: string;
  send: SendPipeline<L>;
  writer: BatchedTunWriter;
  clock: Clock;
  log: Logger;
  /** A native fast path that reads and writes the device too (default: none). */
  native?: NativeTunUser;
}

/** Told of each device before its reads start, and before it closes. */
export interface NativeTunUser {
  attach(device: TunDevice): void;
  detach(): void;
}

/** Re-creating a deleted TUN device: first retry after this long, doubling up to the maximum. */
export const RECREATE_FIRST_DELAY_MS = 500;
export const RECREATE_MAX_DELAY_MS = 30_000;

export interface TunServiceStatus {
  device: string | null;
  mtu: number | null;
  /** Why there is no device, when there is none. */
  unavailable: string | null;
  tun: TunStats | null;
}

export class TunService<L extends MeshLink> {
  readonly name = 'tun';
  private device: TunDevice | undefined;
  private unavailableReason: string | undefined;
  private stopped = false;
  private recreateTimer: TimerHandle | undefined;

  constructor(private readonly opts: TunServiceOptions<L>) {}

  /** The device is open (packets flow both ways). */
  get up(): boolean {
    return this.device !== undefined;
  }

  async start(): Promise<void> {
    const { log, send, writer } = this.opts;
    if (!this.opts.enabled) {
      this.unavailableReason = 'disabled in the config (tun.enabled = false)';
      return;
    }
    let device: TunDevice;
    try {
      device = await this.openDevice();
    } catch (err) {
      if (!isSkeinError(err, ErrorCodes.TUN_UNAVAILABLE)) throw err;
      this.unavailableReason = err.message;
      log.warn({ reason: err.message }, 'running without the TUN data plane; the userspace API (skein ping, datagrams, library) keeps working');
      return;
    }
    log.info({ device: device.name, address: this.opts.addressText, prefix: this.opts.request.prefix, mtu: device.mtu }, 'TUN data plane up');
  }

  /** Open (or re-open) the device and wire its reads and writes; rejects as the factory does. */
  private async openDevice(): Promise<TunDevice> {
    const { send, writer } = this.opts;
    const device = await this.opts.open({ ...this.opts.request, readRoom: TUN_READ_ROOM });
    if (this.stopped) {
      await device.close();
      throw new SkeinError(ErrorCodes.TUN_UNAVAILABLE, `TUN ${device.name}: the node is stopping`);
    }
    this.device = device;
    this.unavailableReason = undefined;
    send.setReadRoom(device.readRoom);
    this.opts.native?.attach(device);
    device.onPackets((batch) => send.fromTun(batch));
    writer.attach(device);
    device.onGone?.((reason) => void this.deviceGone(device, reason));
    return device;
  }

  /**
   * The interface was deleted under the node: say so at error level, close
   * our side and re-create it, retrying with a growing delay while that
   * fails (the name may be taken meanwhile). Sessions and routing are not
   * touched: only the TUN data plane is down in between.
   */
  private async deviceGone(gone: TunDevice, reason: string): Promise<void> {
    if (this.device !== gone || this.stopped) return;
    const { log, writer } = this.opts;
    this.device = undefined;
    writer.attach(undefined);
    this.opts.native?.detach();
    this.unavailableReason = `${reason}; re-creating it`;
    log.error({ device: gone.name, reason }, `TUN device ${gone.name} was deleted under the running node: re-creating it`);
    await gone.close().catch(() => { /* its interface is gone already */ });
    let delayMs = 0;
    for (let attempt = 1; !this.stopped; attempt++) {
      if (delayMs > 0) await new Promise<void>((resolve) => { this.recreateTimer = this.opts.clock.setTimeout(resolve, delayMs); });
      if (this.stopped) return;
      try {
        const device = await this.openDevice();
        log.info({ device: device.name, attempt }, `TUN device ${device.name} re-created`);
        return;
      } catch (err) {
        this.unavailableReason = `${reason}; re-creating it failed: ${(err as Error).message}`;
        log.warn({ device: gone.name, attempt, reason: (err as Error).message }, `cannot re-create TUN device ${gone.name} yet`);
        delayMs = Math.min(RECREATE_MAX_DELAY_MS, Math.max(RECREATE_FIRST_DELAY_MS, delayMs * 2));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.recreateTimer?.cancel();
    const device = this.device;
    this.device = undefined;
    this.opts.writer.attach(undefined);
    this.opts.native?.detach();
    await device?.close();
  }

  status(): TunServiceStatus {
    return {
      device: this.device?.name ?? null,
      mtu: this.device?.mtu ?? null,
      unavailable: this.unavailableReason ?? null,
      tun: this.device?.stats() ?? null,
    };
  }
}
