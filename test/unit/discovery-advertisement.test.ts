import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADVERTISEMENT_MAX_BYTES, ADVERTISEMENT_MIN_BYTES, ADVERTISEMENT_VERSION, decodeAdvertisement, encodeAdvertisement,
  verifyAdvertisement,
} from '../../src/wire/advertisement.js';
import { DecodeError, ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { advert, body, keyPair } from './discovery-fixtures.js';

const kp = keyPair(1);

test('advertisement round-trips and verifies', () => {
  const b = body(kp, { name: 'n1', port: 65535, timestampMs: 123, counter: Number.MAX_SAFE_INTEGER });
  const bytes = encodeAdvertisement(b, kp.secretKey);
  const d = decodeAdvertisement(bytes);
  assert.equal(d.version, ADVERTISEMENT_VERSION);
  assert.deepEqual([...d.publicKey], [...b.publicKey]);
  assert.deepEqual([...d.clusterId], [...b.clusterId]);
  assert.deepEqual([...d.instance], [...b.instance]);
  assert.equal(d.name, 'n1');
  assert.equal(d.port, 65535);
  assert.equal(d.timestampMs, 123);
  assert.equal(d.counter, Number.MAX_SAFE_INTEGER);
  assert.equal(verifyAdvertisement(d), true);
});

test('sizes: the shortest and the longest advertisement hit the named bounds', () => {
  assert.equal(advert(kp, { name: 'a' }).byteLength, ADVERTISEMENT_MIN_BYTES);
  assert.equal(advert(kp, { name: 'a'.repeat(63) }).byteLength, ADVERTISEMENT_MAX_BYTES);
  assert.equal(ADVERTISEMENT_MAX_BYTES, 196);
});

test('a signature by another key, or over another body, does not verify', () => {
  const other = keyPair(2);
  const forged = decodeAdvertisement(encodeAdvertisement(body(kp), other.secretKey));
  assert.equal(verifyAdvertisement(forged), false);
});

test('decode rejects bad magic, version, name, port 0, trailing bytes and oversize with DecodeError', () => {
  const good = advert(kp);
  const mutate = (i: number, v: number) => { const c = good.slice(); c[i] = v; return c; };
  assert.throws(() => decodeAdvertisement(mutate(0, 0)), DecodeError); // magic
  assert.throws(() => decodeAdvertisement(mutate(4, 2)), /unsupported version 2/);
  const nameAt = 4 + 1 + 32 + 5 + 1;
  assert.throws(() => decodeAdvertisement(mutate(nameAt, 'N'.charCodeAt(0))), /DNS label/);
  const portAt = nameAt + 'node-b'.length;
  const zeroPort = good.slice(); zeroPort[portAt] = 0; zeroPort[portAt + 1] = 0;
  assert.throws(() => decodeAdvertisement(zeroPort), /port 0/);
  assert.throws(() => decodeAdvertisement(new Uint8Array([...good, 0])), /trailing/);
  assert.throws(() => decodeAdvertisement(new Uint8Array(ADVERTISEMENT_MAX_BYTES + 1)), /exceeds maximum/);
  assert.throws(() => decodeAdvertisement(good.subarray(0, good.byteLength - 1)), DecodeError);
});

test('encode refuses a name that is not a DNS label, a wrong-size key and port 0', () => {
  const isEncode = (e: unknown) => isSkeinError(e, ErrorCodes.ENCODE);
  assert.throws(() => advert(kp, { name: 'Upper' }), isEncode);
  assert.throws(() => advert(kp, { name: '-x' }), isEncode);
  assert.throws(() => advert(kp, { name: 'a'.repeat(64) }), isEncode);
  assert.throws(() => advert(kp, { port: 0 }), isEncode);
  assert.throws(() => advert(kp, { clusterId: new Uint8Array(4) }), isEncode);
  assert.throws(() => advert(kp, { instance: new Uint8Array(7) }), isEncode);
});
