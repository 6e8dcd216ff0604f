/**
 * The open link's receive path without sockets: the byte stream cut into
 * chunks (size from the input's first byte, down to one byte), the frame
 * decoder, the transport's strict-counter AEAD open in place, and the link
 * message decoder, with the channel's failure policy (the first error ends
 * the link), and the keepalive exchange (link/keepalive.ts) fed every
 * PING, PONG and ECHO. Seeds are real frames sealed with a fixed transport
 * key. Invariants: only typed errors; the decoder never holds more than one
 * maximal frame; every opened message decodes within its bounds; every
 * keepalive is answered with its own challenge echoed; no answer gives an
 * RTT sample, since none can hold the exchange's random challenge.
 */
import fc from 'fast-check';
import { TransportReceiver, TransportSender } from '../../src/crypto/transport.js';
import { FrameDecoder, encodeFrame } from '../../src/link/framing.js';
import { FRAME_HEADER_BYTES, LINK_MESSAGE_MAX_BYTES, MAX_FRAME_BYTES } from '../../src/wire/link-constants.js';
import {
  type EchoMessage, type LinkMessage, type PingMessage, type PongMessage, decodeLinkMessage, encodeClose, encodeEcho, encodePayload, encodePing, encodePong,
} from '../../src/wire/link-messages.js';
import { KeepaliveExchange } from '../../src/link/keepalive.js';
import { ManualClock } from '../../src/util/clock.js';
import { FUZZ_NOW_MS } from '../fixtures/cluster.js';
import { type FuzzTarget, invariant, typed } from '../engine/target.js';

export const LINK_FRAME_KEY = new Uint8Array(32).fill(0x4b);
const MAX_DISTINCT = 7;

/** A genuine stream: the given link messages, sealed in order and framed. */
export function sealedStream(messages: readonly Uint8Array[]): Uint8Array {
  const sender = new TransportSender(LINK_FRAME_KEY);
  const frames = messages.map((m) => encodeFrame(sender.seal(m), MAX_FRAME_BYTES));
  return Buffer.concat(frames);
}

export function sampleLinkMessages(): Uint8Array[] {
  return [
    encodePing({ challenge: 0x1122_3344_5566_7788n }),
    encodePong({ echo: 0x1122_3344_5566_7788n, challenge: 0x99aa_bbcc_ddee_ff00n }),
    encodeEcho({ echo: 0x99aa_bbcc_ddee_ff00n }),
    encodePayload(1, new Uint8Array(40).fill(0xaa)),
    encodePayload(2, new TextEncoder().encode('routing bytes would be here')),
    encodeClose({ code: 1, text: 'bye' }),
  ];
}

function label(m: LinkMessage): string {
  return m.type === 'payload' && m.channel > 2 ? 'payload-other' : m.type === 'payload' ? `payload${m.channel}` : m.type;
}

function checkKeepalive(keepalive: KeepaliveExchange, m: PingMessage | PongMessage | EchoMessage): void {
  if (m.type === 'ping') {
    const answer = decodeLinkMessage(keepalive.answerPing(m));
    invariant(answer.type === 'pong' && answer.echo === m.challenge, 'a PING answered without its challenge');
    return;
  }
  if (m.type === 'pong') {
    const answer = decodeLinkMessage(keepalive.answerPong(m));
    invariant(answer.type === 'echo' && answer.echo === m.challenge, 'a PONG answered without its challenge');
  }
  invariant(keepalive.sample(m) === null, `an RTT sample from a ${m.type.toUpperCase()} that could not know our challenge`);
}

export const linkFramesTarget: FuzzTarget = {
  name: 'link-frames',
  description: 'link/framing.ts + crypto/transport.ts + wire/link-messages.ts: the open link\'s receive pipeline over a re-chunked stream',
  maxInputBytes: 2 * (MAX_FRAME_BYTES + FRAME_HEADER_BYTES) + 1,
  run(input) {
    if (input.byteLength === 0) return 'empty';
    const chunk = input[0]! === 0 ? input.byteLength : input[0]!;
    const stream = input.subarray(1);
    const decoder = new FrameDecoder(MAX_FRAME_BYTES, 'link');
    const receiver = new TransportReceiver(LINK_FRAME_KEY);
    const seen: string[] = [];
    const keepalive = new KeepaliveExchange(new ManualClock(FUZZ_NOW_MS));
    keepalive.ping(); // a challenge of ours outstanding, as on a live link
    const end = typed(() => {
      for (let at = 0; at < stream.byteLength; at += chunk) {
        decoder.push(stream.subarray(at, at + chunk));
        for (let f = decoder.next(); f !== null; f = decoder.next()) {
          const m = decodeLinkMessage(receiver.openInPlace(f));
          if (m.type === 'payload') invariant(m.data.byteLength <= LINK_MESSAGE_MAX_BYTES, `payload of ${m.data.byteLength} bytes passed the decoder`);
          else if (m.type !== 'close') checkKeepalive(keepalive, m);
          if (seen.length < MAX_DISTINCT && !seen.includes(label(m))) seen.push(label(m));
        }
        invariant(decoder.bufferedBytes <= FRAME_HEADER_BYTES + MAX_FRAME_BYTES, `decoder holds ${decoder.bufferedBytes} bytes`);
      }
      return decoder.bufferedBytes > 0 ? 'partial' : 'clean';
    });
    return `${seen.sort().join(',')}|${end}`;
  },
  generator: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.array(fc.oneof(
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((challenge) => encodePing({ challenge })),
    fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([echo, challenge]) => encodePong({ echo, challenge })),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((echo) => encodeEcho({ echo })),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 })).map(([c, d]) => encodePayload(c, d)),
  ), { maxLength: 6 })).map(([chunk, msgs]) => Buffer.concat([Buffer.from([chunk]), sealedStream(msgs)])),
};
