/**
 * A whole SecureChannel (link/channel.ts) as the responder of an inbound
 * connection, over an in-memory stream on a manual clock, fed what an
 * attacker on the TCP connection can send: the genuine initiator's framed
 * handshake bytes, mutated, in the input's chunks. The channel's ephemeral
 * key is random, so nothing replayed can complete the handshake.
 * Invariants: the channel never opens, never throws out of a stream event,
 * and is closed at the latest when the handshake timer runs out.
 */
import { SecureChannel } from '../../src/link/channel.js';
import { resolveLinkConfig } from '../../src/link/config.js';
import { encodeFrame } from '../../src/link/framing.js';
import { MemoryDuplex } from '../../src/link/memory-duplex.js';
import { ManualClock } from '../../src/util/clock.js';
import { MAX_HANDSHAKE_FRAME_BYTES } from '../../src/wire/link-constants.js';
import { cluster, FUZZ_NOW_MS } from '../fixtures/cluster.js';
import { linkTranscript } from '../fixtures/transcripts.js';
import { splitMessages } from '../engine/messages.js';
import { type FuzzTarget, invariant } from '../engine/target.js';

const SETTLE_ROUNDS = 4;

async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_ROUNDS; i++) await new Promise((r) => setImmediate(r));
}

/** What the genuine initiator writes on the wire: frames of messages 1 and 3. */
export function initiatorStream(): Uint8Array[] {
  const t = linkTranscript();
  return [encodeFrame(t.msg1, MAX_HANDSHAKE_FRAME_BYTES), encodeFrame(t.msg3, MAX_HANDSHAKE_FRAME_BYTES)];
}

export const linkChannelTarget: FuzzTarget = {
  name: 'link-channel',
  description: 'link/channel.ts responder over an in-memory stream: framed handshake bytes from an attacker, in chunks',
  maxInputBytes: 4 * 1024,
  async run(input) {
    const c = cluster();
    const bert = c.members[1]!;
    const clock = new ManualClock(FUZZ_NOW_MS);
    const [attacker, ours] = MemoryDuplex.pair();
    attacker.on('data', () => undefined);
    const ch = new SecureChannel(ours, {
      role: 'responder', staticKeyPair: bert.key.dh, clusterId: c.clusterId, certificatePayload: bert.chain,
      authenticatePeer: c.authenticate, clock,
      // Admit initiations without mac1 too, as a listener does for a static peer's first contact,
      // so mutated bytes reach the DH and certificate checks behind the mac1 gate.
      admitUnkeyed: () => true,
    });
    let opened = false;
    let cause = 'none';
    ch.on('open', () => { opened = true; });
    ch.on('close', (r) => { cause = `${r.cause}${r.error ? `:${r.error.code}` : ''}`; });
    for (const chunk of splitMessages(input, 16)) {
      attacker.write(Buffer.from(chunk));
      await settle();
      invariant(!opened && ch.state !== 'open', 'the channel opened on bytes an attacker replayed');
    }
    clock.advance(resolveLinkConfig().handshakeTimeoutMs + 1);
    await settle();
    invariant(ch.state === 'closed', `channel still '${ch.state}' after the handshake timeout`);
    ch.close();
    attacker.destroy();
    return cause;
  },
};
