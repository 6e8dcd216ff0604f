/**
 * The TUN device as a service of the node: opened with TUN_READ_ROOM
 * around every packet it reads (wire/packet-room.ts), its read batches fed
 * to the send pipeline, its writes done by the receive pipeline's last
 * stage (tun-writer.ts). Without root or /dev/net/tun the node runs without
 * it and says so once; the userspace API (skein ping, datagrams) keeps
 * working.
 */
import type { SendPipeline } from './send-pipeline.js';
import type { MeshLink } from './ports.js';
import type { TunDevice, TunFactory, TunOpenRequest, TunStats } from './tun-device.js';
import type { BatchedTunWriter } from './tun-writer.js';
import { ErrorCodes, isSkeinError } from '../util/errors.js';
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
  log: Logger;
}

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
      device = await this.opts.open({ ...this.opts.request, readRoom: TUN_READ_ROOM });
    } catch (err) {
      if (!isSkeinError(err, ErrorCodes.TUN_UNAVAILABLE)) throw err;
      this.unavailableReason = err.message;
      log.warn({ reason: err.message }, 'running without the TUN data plane; the userspace API (skein ping, datagrams, library) keeps working');
      return;
    }
    this.device = device;
    send.setReadRoom(device.readRoom);
    device.onPackets((batch) => send.fromTun(batch));
    writer.attach(device);
    log.info({ device: device.name, address: this.opts.addressText, prefix: this.opts.request.prefix, mtu: device.mtu }, 'TUN data plane up');
  }

  async stop(): Promise<void> {
    const device = this.device;
    this.device = undefined;
    this.opts.writer.attach(undefined);
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
