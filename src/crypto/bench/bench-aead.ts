/**
 * ChaCha20-Poly1305 seal and open, OpenSSL addon vs libsodium, in place:
 * `npm run bench:aead [-- --json]`. No root, no network.
 *
 * Each size is timed in ROUNDS rounds of a fixed number of calls per
 * implementation, alternating, after a warm-up; the median round is
 * reported as microseconds per call and GB/s. Open is timed on a buffer
 * sealed again before every call (the seal's cost measured alone is
 * subtracted), so it measures a successful open, not a failing one.
 */
import { libsodiumAead, loadOpensslCore } from '../aead.js';

const SIZES = [64, 1_400, 16_384, 65_536];
const ROUNDS = 7;
const WARMUP_CALLS = 300;
/** Calls per round: about 30 MB of data or 2,000 calls, whichever is more. */
const callsFor = (size: number): number => Math.max(2_000, Math.floor(30_000_000 / size));
const NS_PER_US = 1000;

type Core = typeof libsodiumAead;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median microseconds per call of `body` over ROUNDS rounds. */
function time(calls: number, body: () => void): number {
  for (let i = 0; i < WARMUP_CALLS; i++) body();
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) body();
    rounds.push(Number(process.hrtime.bigint() - start) / NS_PER_US / calls);
  }
  return median(rounds);
}

interface Row { implementation: string; bytes: number; sealUs: number; openUs: number; sealGBps: number; openGBps: number }

function measure(name: string, core: Core, size: number): Row {
  const key = new Uint8Array(32).fill(1);
  const nonce = new Uint8Array(12).fill(2);
  const ad = new Uint8Array(35).fill(3);
  const message = new Uint8Array(size + 16);
  const plaintext = message.subarray(0, size);
  const calls = callsFor(size);
  const sealUs = time(calls, () => core.seal(message, plaintext, ad, nonce, key));
  const sealAndOpenUs = time(calls, () => {
    core.seal(message, plaintext, ad, nonce, key);
    if (!core.open(plaintext, message, ad, nonce, key)) throw new Error(`${name}: open failed`);
  });
  const openUs = Math.max(sealAndOpenUs - sealUs, 0);
  const gbps = (us: number): number => (us > 0 ? size / us / 1000 : 0);
  return { implementation: name, bytes: size, sealUs, openUs, sealGBps: gbps(sealUs), openGBps: gbps(openUs) };
}

const openssl = loadOpensslCore();
const cores: [string, Core][] = [['libsodium', libsodiumAead]];
if (typeof openssl === 'string') console.error(`bench:aead: OpenSSL rows skipped: ${openssl}`);
else cores.unshift(['openssl', openssl]);

const rows: Row[] = [];
for (const size of SIZES) for (const [name, core] of cores) rows.push(measure(name, core, size));

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ node: process.version, openssl: process.versions.openssl, rows }, null, 2));
} else {
  console.log(`ChaCha20-Poly1305 in place, Node ${process.version}, OpenSSL ${process.versions.openssl}; median of ${ROUNDS} rounds`);
  console.log('| implementation | bytes | seal µs | open µs | seal GB/s | open GB/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.implementation} | ${r.bytes.toLocaleString('en')} | ${r.sealUs.toFixed(2)} | ${r.openUs.toFixed(2)} | ${r.sealGBps.toFixed(2)} | ${r.openGBps.toFixed(2)} |`);
  }
}
