/** Every fuzz target, by name, in the order a full run takes them. */
import type { FuzzTarget } from '../engine/target.js';
import { adminTarget } from './admin.js';
import { advertisementTarget } from './advertisement.js';
import { dnsTarget } from './dns.js';
import { linkChannelTarget } from './link-channel.js';
import { linkFramesTarget } from './link-frames.js';
import { linkInitiatorTarget, linkResponderTarget } from './link-handshake.js';
import { meshForwardTarget } from './mesh-forward.js';
import { nativeLinkTarget } from './native-link.js';
import { nativeTunTarget } from './native-tun.js';
import { routingTarget } from './routing.js';
import { sessionTarget } from './session.js';
import { wireDecodersTarget } from './wire-decoders.js';

export const TARGETS: readonly FuzzTarget[] = [
  advertisementTarget, linkResponderTarget, linkInitiatorTarget, linkFramesTarget, linkChannelTarget, nativeLinkTarget, nativeTunTarget,
  routingTarget, meshForwardTarget, sessionTarget, dnsTarget, adminTarget, wireDecodersTarget,
];

export function targetNamed(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}
