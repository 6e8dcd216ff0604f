/**
 * The TUN MTU and the arithmetic that makes one IPv6 packet fit one link frame.
 *
 * An IPv6 packet of MTU bytes read from TUN travels as the plaintext of a
 * session DATA packet:
 *
 *   link payload = mesh header (36) + receiver index (4) + counter (8)
 *                  + [inner framing reserve] + IPv6 packet + AEAD tag (16)
 *
 * and a link payload is at most LINK_PAYLOAD_MAX_BYTES (65,792), so the
 * largest IPv6 packet that fits is MAX_SESSION_PLAINTEXT_BYTES (65,728)
 * minus the reserve. Links are TCP streams: nothing forces the overlay MTU
 * down to an Ethernet frame, and per-packet costs (a TUN read, a seal, a
 * frame) dominate, so the default is large (measured in docs/benchmark.md).
 */
import { MAX_SESSION_PLAINTEXT_BYTES } from '../wire/packet-constants.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { IPV6_MAX_PACKET_BYTES, IPV6_MIN_MTU } from './ipv6.js';

/**
 * Bytes kept free inside the session plaintext for framing the pipeline may
 * put before the IPv6 packet (a type byte to tell IP from userspace
 * datagrams, say). Adjust here if the pipeline's framing grows.
 */
export const INNER_FRAMING_RESERVE_BYTES = 16;

/** Largest IPv6 packet one mesh DATA packet can carry (65,712 with the reserve; the IPv6 limit 65,575 is lower). */
export const MESH_MAX_IPV6_PACKET_BYTES = Math.min(MAX_SESSION_PLAINTEXT_BYTES - INNER_FRAMING_RESERVE_BYTES, IPV6_MAX_PACKET_BYTES);

/** The Linux TUN driver refuses MTUs above this (ETH_MAX_MTU). */
export const TUN_MAX_MTU = 0xffff;

/**
 * Default TUN MTU: a round number under both limits above, leaving room for
 * the reserve to grow by a kilobyte and more without touching the default.
 */
export const DEFAULT_TUN_MTU = 64_000;

/** Check a configured MTU; the message names the key. */
export function checkTunMtu(mtu: number, key = 'dataplane.mtu'): number {
  const max = Math.min(MESH_MAX_IPV6_PACKET_BYTES, TUN_MAX_MTU);
  if (!Number.isInteger(mtu) || mtu < IPV6_MIN_MTU || mtu > max) {
    throw new SkeinError(ErrorCodes.CONFIG, `${key}: MTU ${mtu} must be an integer in ${IPV6_MIN_MTU}..${max} (IPv6 minimum .. what one mesh packet carries)`);
  }
  return mtu;
}
