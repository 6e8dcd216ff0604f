/**
 * The container for targets fed a sequence of messages (a handshake, a
 * routing exchange, a packet stream): each message is a u16 big-endian
 * length and that many bytes; a length running past the end takes what is
 * left. Mutating the length fields (mutate.ts) splits, joins and cuts
 * messages, which is how a stream of real messages turns into hostile ones.
 */
export const MAX_MESSAGES = 64;

export function splitMessages(input: Uint8Array, maxMessages = MAX_MESSAGES): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < input.byteLength && out.length < maxMessages) {
    if (at + 2 > input.byteLength) {
      out.push(input.subarray(at));
      break;
    }
    const len = (input[at]! << 8) | input[at + 1]!;
    const start = at + 2;
    const end = Math.min(start + len, input.byteLength);
    out.push(input.subarray(start, end));
    at = end;
  }
  return out;
}

export function joinMessages(messages: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const m of messages) total += 2 + Math.min(m.byteLength, 0xffff);
  const out = new Uint8Array(total);
  let at = 0;
  for (const m of messages) {
    const len = Math.min(m.byteLength, 0xffff);
    out[at] = len >> 8;
    out[at + 1] = len & 0xff;
    out.set(m.subarray(0, len), at + 2);
    at += 2 + len;
  }
  return out;
}
