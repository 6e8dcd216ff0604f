/**
 * The link's Noise XX handshake in both roles (crypto/noise.ts with the
 * link prologue and the daemon's certificate authenticator), fed the peer's
 * messages from the input. Both sides use fixed ephemeral keys, so the
 * genuine transcript (fixtures/transcripts.ts) completes when replayed and
 * mutations explore every step after it. Invariants: only typed errors; a
 * failed handshake stays failed; a completed one proved a certified member
 * and saw exactly the genuine messages (anything else completing is a forgery).
 */
import { bytesEqual } from '../../src/codec/codec.js';
import { NOISE_MAX_HANDSHAKE_MESSAGE_BYTES } from '../../src/crypto/noise.js';
import { cluster } from '../fixtures/cluster.js';
import { linkParty, linkTranscript } from '../fixtures/transcripts.js';
import { splitMessages } from '../engine/messages.js';
import { type FuzzTarget, invariant, typed } from '../engine/target.js';

const MAX_STEPS = 4;

function drive(role: 'initiator' | 'responder', input: Uint8Array): string {
  const c = cluster();
  const [anna, bert] = c.members;
  const party = linkParty(role, role === 'initiator' ? anna! : bert!);
  const t = linkTranscript();
  const genuine = role === 'initiator' ? [t.msg2] : [t.msg1, t.msg3];
  const start = party.start();
  invariant(role === 'responder' ? start === null : start !== null && bytesEqual(start, t.msg1), 'start() is not deterministic with a fixed ephemeral');
  const messages = splitMessages(input, MAX_STEPS);
  const outcomes: string[] = [];
  messages.forEach((m, i) => {
    const wasFailed = party.state === 'failed';
    const o = typed(() => {
      const step = party.receive(m);
      if (step.result !== null) {
        const proven = step.result.peer;
        invariant(c.members.some((x) => x.key.idText === proven.idText && x.name === proven.name), `completed with an uncertified peer ${proven.idText}`);
        invariant(messages.slice(0, i + 1).every((x, j) => genuine[j] !== undefined && bytesEqual(x, genuine[j]!)), 'completed on messages that differ from the genuine transcript');
        return 'complete';
      }
      return step.send !== null ? 'sent' : 'waiting';
    });
    invariant(!wasFailed || o.startsWith('err:'), `a failed handshake accepted a message (${o})`);
    outcomes.push(o);
  });
  return `${outcomes.join('>')}|${party.state}`;
}

export const linkResponderTarget: FuzzTarget = {
  name: 'link-handshake-responder',
  description: 'crypto/noise.ts responder with the link prologue and certificate check: messages 1 and 3 from the input',
  maxInputBytes: 2 * (NOISE_MAX_HANDSHAKE_MESSAGE_BYTES + 2),
  run: (input) => drive('responder', input),
};

export const linkInitiatorTarget: FuzzTarget = {
  name: 'link-handshake-initiator',
  description: 'crypto/noise.ts initiator with the link prologue and certificate check: message 2 from the input',
  maxInputBytes: 2 * (NOISE_MAX_HANDSHAKE_MESSAGE_BYTES + 2),
  run: (input) => drive('initiator', input),
};
