/**
 * The AEAD behind every link frame and session packet (crypto/aead.ts):
 * OpenSSL's ChaCha20-Poly1305 from the native addon must be byte-for-byte
 * libsodium's, in place and not, and must refuse every tampered byte, a wrong
 * key, nonce or AD, leaving no unauthenticated plaintext behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import {
  RFC8439_AEAD_VECTOR, aeadImplementation, libsodiumAead, loadOpensslCore, passesKnownAnswer,
} from '../../src/crypto/aead.js';

const ADDON = new URL('../../build/Release/skein_aead.node', import.meta.url);
const openssl = loadOpensslCore();
const haveAddon = typeof openssl !== 'string';
const skip = haveAddon ? false : `OpenSSL AEAD addon unavailable: ${String(openssl)}`;

function core() {
  if (typeof openssl === 'string') throw new Error(openssl);
  return openssl;
}

const zeroed = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0);

test('the OpenSSL addon is used whenever it was built (a silent fallback would cost ~35 % per packet)', () => {
  if (!existsSync(ADDON)) return;
  assert.equal(haveAddon, true, String(openssl));
  assert.deepEqual(aeadImplementation(), { implementation: 'openssl' });
});

test('both implementations reproduce RFC 8439 section 2.8.2 and refuse it with one bit changed', { skip }, () => {
  assert.equal(passesKnownAnswer(libsodiumAead), true);
  assert.equal(passesKnownAnswer(core()), true);
});

test('OpenSSL and libsodium write the same bytes and open each other\'s, in place and not', { skip }, () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
      fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff))),
      (key, nonce, ad, plaintext) => {
        const bySodium = new Uint8Array(plaintext.byteLength + 16);
        libsodiumAead.seal(bySodium, plaintext, ad, nonce, key);
        const byOpenssl = new Uint8Array(plaintext.byteLength + 16);
        core().seal(byOpenssl, plaintext, ad, nonce, key);
        assert.deepEqual(byOpenssl, bySodium);

        const inPlace = new Uint8Array(plaintext.byteLength + 16);
        inPlace.set(plaintext);
        core().seal(inPlace, inPlace.subarray(0, plaintext.byteLength), ad, nonce, key);
        assert.deepEqual(inPlace, bySodium);

        const opened = new Uint8Array(plaintext.byteLength);
        assert.equal(libsodiumAead.open(opened, byOpenssl, ad, nonce, key), true);
        assert.deepEqual(opened, plaintext);
        assert.equal(core().open(inPlace.subarray(0, plaintext.byteLength), inPlace, ad, nonce, key), true);
        assert.deepEqual(inPlace.subarray(0, plaintext.byteLength), plaintext);
      },
    ),
    { numRuns: 300 },
  );
});

test('every flipped byte, a wrong key, nonce or AD, a truncation: refused, and the output left zeroed', { skip }, () => {
  const { key, nonce, ad } = RFC8439_AEAD_VECTOR;
  const plaintext = new Uint8Array(80).fill(0x5a);
  const sealed = new Uint8Array(96);
  core().seal(sealed, plaintext, ad, nonce, key);
  const out = new Uint8Array(80);
  let refused = 0;
  for (let i = 0; i < sealed.byteLength; i++) {
    for (const bit of [0x01, 0x80]) {
      const tampered = Uint8Array.from(sealed);
      tampered[i]! ^= bit;
      out.fill(0xff);
      if (!core().open(out, tampered, ad, nonce, key) && zeroed(out)) refused++;
    }
  }
  assert.equal(refused, 2 * 96, 'each of the 96 bytes, two bits each');

  const otherKey = Uint8Array.from(key, (b, i) => (i === 31 ? b ^ 1 : b));
  const otherNonce = Uint8Array.from(nonce, (b, i) => (i === 11 ? b ^ 1 : b));
  const otherAd = Uint8Array.from(ad, (b, i) => (i === 0 ? b ^ 1 : b));
  for (const [what, k, n, a] of [
    ['wrong key', otherKey, nonce, ad], ['wrong nonce', key, otherNonce, ad], ['wrong AD', key, nonce, otherAd], ['no AD', key, nonce, null],
  ] as const) {
    const inPlace = Uint8Array.from(sealed);
    assert.equal(core().open(inPlace.subarray(0, 80), inPlace, a, n, k), false, what);
    assert.equal(zeroed(inPlace.subarray(0, 80)), true, `${what}: no unauthenticated plaintext left in place`);
  }
  assert.equal(core().open(new Uint8Array(0), sealed.subarray(0, 15), ad, nonce, key), false, 'shorter than a tag');
  assert.equal(core().open(new Uint8Array(79), sealed.subarray(0, 95), ad, nonce, key), false, 'one byte short');
  // An empty message still authenticates its AD.
  const empty = new Uint8Array(16);
  core().seal(empty, new Uint8Array(0), ad, nonce, key);
  assert.equal(core().open(new Uint8Array(0), empty, ad, nonce, key), true);
  assert.equal(core().open(new Uint8Array(0), empty, otherAd, nonce, key), false);
});

test('bad arguments are refused before any byte is written', { skip }, () => {
  const { key, nonce } = RFC8439_AEAD_VECTOR;
  const buffer = new Uint8Array(64);
  const throwsArgs = (fn: () => unknown, what: string) => assert.throws(fn, (err: NodeJS.ErrnoException) => err.code === 'SKEIN_AEAD_ARGS', what);
  throwsArgs(() => core().seal(buffer.subarray(4, 36), buffer.subarray(0, 16), null, nonce, key), 'output partly over the plaintext');
  throwsArgs(() => core().open(buffer.subarray(4, 20), buffer.subarray(0, 32), null, nonce, key), 'output partly over the ciphertext');
  throwsArgs(() => core().seal(new Uint8Array(20), new Uint8Array(8), null, nonce, key), 'output not plaintext + 16');
  throwsArgs(() => core().seal(new Uint8Array(24), new Uint8Array(8), null, nonce, key.subarray(0, 31)), '31-byte key');
  throwsArgs(() => core().seal(new Uint8Array(24), new Uint8Array(8), null, nonce.subarray(0, 8), key), '8-byte nonce');
  throwsArgs(() => core().seal(new Uint8Array(24), new Uint16Array(4) as unknown as Uint8Array, null, nonce, key), 'not bytes');
  assert.equal(zeroed(buffer), true);
});

test('SKEIN_AEAD=libsodium selects libsodium and says why', () => {
  const script = "import { aeadImplementation } from './src/crypto/aead.ts'; console.log(JSON.stringify(aeadImplementation()));";
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url), env: { ...process.env, SKEIN_AEAD: 'libsodium' }, encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { implementation: 'libsodium', fallbackReason: 'SKEIN_AEAD=libsodium' });
});
