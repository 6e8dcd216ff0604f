/**
 * Fuzz the DNS responder: random bytes, random bytes behind a plausible
 * query header, and valid queries with bytes flipped or cut. The responder
 * never throws; whatever it sends back is a well-formed DNS response to the
 * same id; decodeQuery fails only with DecodeError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';
import { ipv6FromText } from '../../src/util/ipv6-text.js';
import { DnsResponder, decodeQuery } from '../../src/dns/responder.js';
import { DecodeError } from '../../src/util/errors.js';

const RUNS = 10_000;
const responder = new DnsResponder({ zone: 'prod.skein', lookup: (n) => (n === 'alpha' ? ipv6FromText('fd00::1') : undefined) });

const validQuery = fc.record({
  id: fc.integer({ min: 0, max: 0xffff }),
  name: fc.constantFrom('alpha.prod.skein', 'ALPHA.prod.skein', 'zz.prod.skein', 'prod.skein', 'example.com', 'a.b.c.prod.skein'),
  type: fc.constantFrom<RecordType>('AAAA', 'A', 'MX', 'TXT', 'SOA', 'PTR'),
}).map(({ id, name, type }) => new Uint8Array(dnsPacket.encode({ type: 'query', id, questions: [{ name, type }] })));

const inputs = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 300 })).map(([id, rest]) => {
    const b = new Uint8Array(12 + rest.byteLength);
    b.set(rest, 12);
    b[0] = id >> 8;
    b[1] = id & 0xff;
    b[5] = 1; // qdcount 1, QR 0, opcode 0
    return b;
  }),
  fc.tuple(validQuery, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat())).map(([q, flips, cut]) => {
    const b = q.slice();
    for (const [at, v] of flips) b[at % b.byteLength] = v;
    return cut === null ? b : b.subarray(0, cut % (b.byteLength + 1));
  }),
);

test(`the responder on ${RUNS} random and mutated inputs: no throw; replies are responses with the query's id`, () => {
  fc.assert(fc.property(inputs, (bytes) => {
    const out = responder.answer(bytes);
    if (out === null) return;
    const res = dnsPacket.decode(Buffer.from(out));
    assert.equal(res.type, 'response');
    assert.equal(res.id, (bytes[0]! << 8) | bytes[1]!);
  }), { numRuns: RUNS });
});

test(`decodeQuery on ${RUNS} random inputs fails only with DecodeError`, () => {
  fc.assert(fc.property(inputs, (bytes) => {
    try {
      decodeQuery(bytes);
    } catch (err) {
      assert.ok(err instanceof DecodeError, String(err));
    }
  }), { numRuns: RUNS });
});
