/**
 * The admin API's JSON lines through the dispatcher (control/dispatch.ts:
 * the bounded line splitter, request parsing, version check, method and
 * stream dispatch, handler errors), in memory, with handlers shaped like
 * the daemon's: one returning data, one refusing with a SkeinError, one
 * failing with a plain Error, one async, and a stream. Invariants: every
 * complete request line gets exactly one response (or a stream start),
 * each a JSON object with the API version; an over-long line is refused and
 * ends the connection; no unhandled rejection; streams end with the connection.
 */
import fc from 'fast-check';
import { AdminDispatcher } from '../../src/control/dispatch.js';
import { ADMIN_API_VERSION, type AdminResponse } from '../../src/control/protocol.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import { type FuzzTarget, invariant } from '../engine/target.js';

/** A small line bound so the fuzzer reaches the over-long path. */
const MAX_LINE = 2_048;
const log = silentLogger();

function dispatcher(subscriptions: { open: number }): AdminDispatcher {
  const d = new AdminDispatcher(log);
  d.register('status', (p) => ({ name: 'anna', echo: typeof p.name === 'string' ? p.name.slice(0, 64) : null }));
  d.register('ping', async (p) => {
    if (typeof p.target !== 'string') throw new SkeinError(ErrorCodes.USAGE, 'ping: params.target must be a node name or id');
    return { target: p.target, rttMs: 1 };
  });
  d.register('crash', () => { throw new Error('handler bug'); });
  d.registerStream('events', (_p, emit) => {
    subscriptions.open++;
    emit({ type: 'hello' });
    return () => { subscriptions.open--; };
  });
  return d;
}

export const adminTarget: FuzzTarget = {
  name: 'admin',
  description: 'control/dispatch.ts: JSON request lines from an admin client, split, parsed and dispatched in memory',
  maxInputBytes: 8 * 1024,
  async run(input) {
    const subscriptions = { open: 0 };
    const responses: AdminResponse[] = [];
    const conn = dispatcher(subscriptions).connection((m) => {
      const line = JSON.stringify(m);
      const back = JSON.parse(line) as AdminResponse;
      invariant(typeof back === 'object' && back !== null && back.v === ADMIN_API_VERSION, `response without the API version: ${line.slice(0, 80)}`);
      responses.push(back);
    }, MAX_LINE);
    const text = Buffer.from(input).toString('utf8');
    const cut = text.length === 0 ? 0 : input[0]! % text.length;
    let open = conn.push(text.slice(0, cut));
    if (open) open = conn.push(text.slice(cut));
    await conn.idle();
    const completeLines = text.split('\n').slice(0, -1).filter((l) => l.trim().length > 0).length;
    if (open) {
      const answers = responses.filter((r) => !('event' in r)).length;
      invariant(answers === completeLines, `${completeLines} request lines got ${answers} responses`);
    } else {
      invariant(responses.some((r) => 'ok' in r && !r.ok && r.error.code === 'SKEIN_ERR_ADMIN_PROTOCOL'), 'the connection ended without a protocol error');
    }
    conn.close();
    invariant(subscriptions.open === 0, `${subscriptions.open} streams still subscribed after the connection closed`);
    const kinds = new Set(responses.map((r) => ('event' in r ? 'event' : r.ok ? 'ok' : r.error.code)));
    return `${open ? 'open' : 'ended'}:${[...kinds].sort().join(',')}`;
  },
  generator: fc.array(fc.oneof(
    fc.record({ v: fc.constantFrom(1, 2, 0), id: fc.oneof(fc.integer(), fc.double(), fc.string()), method: fc.constantFrom('status', 'ping', 'crash', 'events', 'methods', 'nope', ''), params: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }))) })
      .map((r) => JSON.stringify(r)),
    fc.json({ maxDepth: 3 }),
    fc.string({ maxLength: 40 }),
  ), { maxLength: 6 }).map((lines) => new TextEncoder().encode(lines.map((l) => `${l}\n`).join(''))),
};
