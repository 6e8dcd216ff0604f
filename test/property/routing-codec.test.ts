import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/util/errors.js';
import { encodeAck } from '../../src/wire/routing-ack.js';
import { MAX_RECORD_BYTES } from '../../src/wire/routing-constants.js';
import { decodeRoutingMessage } from '../../src/wire/routing-message.js';
import { decodeRecord, peekRecordKey } from '../../src/wire/routing-record.js';
import { encodeRevocation } from '../../src/wire/routing-revocation.js';
import { encodeUpdate } from '../../src/wire/routing-update.js';
import { checkRecordSignature } from '../../src/routing/verify-record.js';
import { buildSummary } from '../../src/routing/summary.js';
import { pkiFor, recordOf } from '../unit/routing-fixtures.js';

const RUNS = 10_000;
const pki = pkiFor(51);
const self = pki.issue('fuzz');
const record = recordOf(self, { sequence: 77, neighbours: [{ id: '0'.repeat(31) + '1', cost: 3 }, { id: 'f'.repeat(32), cost: 9 }] });
const hex = (n: number) => n.toString(16).padStart(32, '0');
const samples = [
  encodeUpdate([record, record]),
  encodeRevocation({ issuer: hex(3), sequence: 2, list: new Uint8Array(40).fill(7) }),
  buildSummary([{ id: hex(1), sequence: 1 }, { id: hex(2), sequence: 5 }], [{ id: hex(3), sequence: 2 }], 9)[0]!.bytes,
  encodeAck({ records: [{ id: hex(1), sequence: 1 }], revocations: [{ id: hex(3), sequence: 2 }], summaryParts: [{ exchangeId: 9, part: 0 }] }),
];

function onlyDecodeError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
}

test(`${RUNS} random byte strings: routing messages, records and record keys decode or throw only DecodeError`, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
    onlyDecodeError(() => decodeRoutingMessage(bytes));
    onlyDecodeError(() => decodeRecord(bytes));
    onlyDecodeError(() => peekRecordKey(bytes));
  }), { numRuns: RUNS });
});

test(`${RUNS} random bodies behind each valid message header throw only DecodeError`, () => {
  fc.assert(fc.property(fc.constantFrom(1, 2, 3, 4), fc.uint8Array({ maxLength: 400 }), (type, rest) => {
    onlyDecodeError(() => decodeRoutingMessage(new Uint8Array([1, type, ...rest])));
  }), { numRuns: RUNS });
});

test(`${RUNS} truncated or extended valid messages and records throw DecodeError`, () => {
  const all = [...samples, record];
  fc.assert(fc.property(fc.nat(all.length - 1), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (which, cutAt, tail) => {
    const bytes = all[which] as Uint8Array;
    const decode = which === all.length - 1 ? decodeRecord : decodeRoutingMessage;
    assert.throws(() => decode(bytes.subarray(0, cutAt % bytes.byteLength)), DecodeError);
    assert.throws(() => decode(new Uint8Array([...bytes, ...tail])), DecodeError);
  }), { numRuns: RUNS });
});

test(`${RUNS} random mutations of a signed record: DecodeError, or a record whose signature no longer verifies`, () => {
  // Distinct positions: the same byte flipped twice by the same value would be no mutation at all.
  fc.assert(fc.property(fc.uniqueArray(fc.tuple(fc.nat(record.byteLength - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3, selector: (e) => e[0] }), (edits) => {
    const bytes = record.slice();
    for (const [i, x] of edits) bytes[i]! ^= x;
    let d;
    try {
      d = decodeRecord(bytes);
    } catch (err) {
      if (err instanceof DecodeError) return;
      throw err;
    }
    assert.equal(checkRecordSignature(d.signature, d.signedBody, self.publicKey), false);
  }), { numRuns: RUNS });
});

test('records larger than the bound are refused before any parsing', () => {
  assert.throws(() => decodeRecord(new Uint8Array(MAX_RECORD_BYTES + 1)), /too long/);
  assert.throws(() => peekRecordKey(new Uint8Array(MAX_RECORD_BYTES + 1)), DecodeError);
});
