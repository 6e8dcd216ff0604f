import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHAIN_MAX_BYTES, CRL_MAX_BYTES } from '../../src/identity/index.js';
import { DecodeError } from '../../src/util/errors.js';
import { encodeAck } from '../../src/wire/routing-ack.js';
import {
  MAX_RECORD_BYTES,
  MAX_RECORD_CHAIN_BYTES,
  MAX_REVOCATION_LIST_BYTES,
  MAX_ROUTING_MESSAGE_BYTES,
} from '../../src/wire/routing-constants.js';
import { decodeRoutingMessage } from '../../src/wire/routing-message.js';
import { decodeRecord, encodeRecordBody, peekRecordKey, signRecord } from '../../src/wire/routing-record.js';
import { encodeRevocation } from '../../src/wire/routing-revocation.js';
import { encodeSummary } from '../../src/wire/routing-summary.js';
import { encodeUpdate } from '../../src/wire/routing-update.js';
import { buildSummary, MAX_ID, MIN_ID } from '../../src/routing/summary.js';
import { pkiFor, recordOf } from './routing-fixtures.js';

const pki = pkiFor(41);
const self = pki.issue('self');
const hex = (n: number) => n.toString(16).padStart(32, '0');

test('bounds leave room for the largest chain and revocation list identity can encode, inside one link payload', () => {
  assert.ok(MAX_RECORD_CHAIN_BYTES >= CHAIN_MAX_BYTES);
  assert.ok(MAX_REVOCATION_LIST_BYTES >= CRL_MAX_BYTES);
  assert.ok(MAX_RECORD_BYTES < MAX_ROUTING_MESSAGE_BYTES);
});

test('a record round-trips; its signed body and key can be read without a full decode', () => {
  const neighbours = [{ id: hex(1), cost: 7 }, { id: hex(2), cost: 100_000 }];
  const bytes = signRecord({ origin: self.idText, sequence: 42, issuedAtMs: 1234, lifetimeMs: 60_000, chain: self.chain, neighbours }, self.secretKey);
  const d = decodeRecord(bytes);
  assert.deepEqual([d.origin, d.sequence, d.issuedAtMs, d.lifetimeMs, d.neighbours], [self.idText, 42, 1234, 60_000, neighbours]);
  assert.deepEqual([...d.chain], [...self.chain]);
  assert.deepEqual(peekRecordKey(bytes), { origin: self.idText, sequence: 42, issuedAtMs: 1234 });
  assert.deepEqual([...d.signedBody], [...encodeRecordBody(d)]);
});

test('non-canonical records are refused by encoder and decoder alike', () => {
  const base = { origin: self.idText, sequence: 1, issuedAtMs: 1, lifetimeMs: 1000, chain: self.chain };
  assert.throws(() => encodeRecordBody({ ...base, neighbours: [{ id: hex(2), cost: 1 }, { id: hex(1), cost: 1 }] }), RangeError);
  assert.throws(() => encodeRecordBody({ ...base, neighbours: [{ id: self.idText, cost: 1 }] }), RangeError);
  assert.throws(() => encodeRecordBody({ ...base, neighbours: [{ id: hex(1), cost: 0 }] }), RangeError);
  const good = encodeRecordBody({ ...base, neighbours: [{ id: hex(1), cost: 1 }, { id: hex(2), cost: 1 }] });
  const swapped = good.slice();
  const at = good.byteLength - 2 * 20;
  swapped.set(good.subarray(at + 20, at + 40), at);
  swapped.set(good.subarray(at, at + 20), at + 20);
  const sig = new Uint8Array(64);
  assert.throws(() => decodeRecord(new Uint8Array([...swapped, ...sig])), DecodeError);
  const zeroLifetime = good.slice();
  zeroLifetime.set([0, 0, 0, 0], 1 + 16 + 8 + 8);
  assert.throws(() => decodeRecord(new Uint8Array([...zeroLifetime, ...sig])), /zero lifetime/);
  assert.throws(() => decodeRecord(new Uint8Array([2, ...good.subarray(1), ...sig])), DecodeError);
});

test('every message type round-trips through the dispatcher', () => {
  const rec = recordOf(self, { sequence: 9 });
  const u = decodeRoutingMessage(encodeUpdate([rec, rec]));
  assert.ok(u.type === 'update' && u.records.length === 2 && u.records[0]?.byteLength === rec.byteLength);
  const v = decodeRoutingMessage(encodeRevocation({ issuer: hex(5), sequence: 3, list: new Uint8Array([1, 2, 3]) }));
  assert.deepEqual(v.type === 'revocation' && [v.issuer, v.sequence, [...v.list]], [hex(5), 3, [1, 2, 3]]);
  const s = decodeRoutingMessage(encodeSummary({
    exchangeId: 7, part: 1, carriesRevocations: true, rangeStart: MIN_ID, rangeEnd: MAX_ID,
    records: [{ id: hex(1), sequence: 1 }, { id: hex(3), sequence: 2 }], revocations: [{ id: hex(9), sequence: 4 }],
  }));
  assert.ok(s.type === 'summary' && s.exchangeId === 7 && s.records.length === 2 && s.revocations[0]?.sequence === 4);
  const a = decodeRoutingMessage(encodeAck({ records: [{ id: hex(1), sequence: 1 }], revocations: [], summaryParts: [{ exchangeId: 7, part: 1 }] }));
  assert.deepEqual(a, { type: 'ack', records: [{ id: hex(1), sequence: 1 }], revocations: [], summaryParts: [{ exchangeId: 7, part: 1 }] });
});

test('summary entries must be ascending and inside the part\'s range; unknown flags and types are refused', () => {
  const s = { exchangeId: 1, part: 0, carriesRevocations: false, rangeStart: hex(10), rangeEnd: hex(20), revocations: [] };
  assert.throws(() => encodeSummary({ ...s, records: [{ id: hex(5), sequence: 1 }] }), RangeError);
  assert.throws(() => encodeSummary({ ...s, records: [{ id: hex(12), sequence: 1 }, { id: hex(11), sequence: 1 }] }), RangeError);
  const ok = encodeSummary({ ...s, records: [{ id: hex(12), sequence: 1 }] });
  const flagged = ok.slice();
  flagged[2 + 4 + 2] = 0x80;
  assert.throws(() => decodeRoutingMessage(flagged), /unknown flags/);
  assert.throws(() => decodeRoutingMessage(new Uint8Array([1, 99])), /unknown type/);
  assert.throws(() => decodeRoutingMessage(new Uint8Array([2, 1, 0, 0])), /unsupported version/);
  assert.throws(() => decodeRoutingMessage(new Uint8Array([...ok, 0])), /trailing/);
});

test('a large database summary splits into parts that tile the whole id space', () => {
  const records = Array.from({ length: 5000 }, (_, i) => ({ id: hex(i * 7919 + 1), sequence: i }));
  const parts = buildSummary(records, [{ id: hex(1), sequence: 1 }], 3).map((p) => decodeRoutingMessage(p.bytes));
  assert.equal(parts.length, 3);
  let expectStart = MIN_ID;
  let total = 0;
  for (const p of parts) {
    assert.ok(p.type === 'summary');
    assert.equal(p.rangeStart, expectStart);
    expectStart = (BigInt(`0x${p.rangeEnd}`) + 1n).toString(16).padStart(32, '0');
    total += p.records.length;
    assert.equal(p.carriesRevocations, p.part === 0);
  }
  const last = parts[parts.length - 1];
  assert.equal(last?.type === 'summary' ? last.rangeEnd : undefined, MAX_ID);
  assert.equal(total, 5000);
});
