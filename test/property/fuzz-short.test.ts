/**
 * A short pass of every fuzz target (fuzz/targets): the checked-in seeds
 * replayed, then a bounded number of mutated and generated inputs, with the
 * targets' oracles. A finding fails the test and prints the input as hex
 * (save it as a .bin and replay it with a regression test). Also checks that
 * the seeds still reach the deep states they were captured for, so a
 * protocol change that silently invalidates the corpus is noticed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { fuzzLoop } from '../../fuzz/engine/loop.js';
import { TARGETS } from '../../fuzz/targets/index.js';

const RUNS_PER_TARGET = 150;
const CORPUS = fileURLToPath(new URL('../../fuzz/corpus/', import.meta.url));

/** What at least one seed of the target must reach. */
const SEEDS_REACH: Record<string, RegExp> = {
  advertisement: /accepted/,
  'link-handshake-responder': /complete\|complete/,
  'link-handshake-initiator': /complete\|complete/,
  'link-frames': /close,.*ping.*\|clean/,
  'link-channel': /handshake-failed|handshake-timeout/,
  routing: /recordsAccepted.*revocationListsAccepted/,
  'mesh-forward': /forward/,
  session: /deliver.*established/,
  dns: /rcode0:1/,
  admin: /open:.*ok/,
  'wire-decoders': /:ok$/,
};

for (const target of TARGETS) {
  test(`fuzz short pass: ${target.name}`, async () => {
    const r = await fuzzLoop(target, { runs: RUNS_PER_TARGET, seconds: 60, seed: 7, hangMs: 5_000, corpusDir: `${CORPUS}${target.name}` });
    assert.deepEqual(r.findings.map((f) => `${f.kind}: ${f.message}\n  input ${f.inputHex.slice(0, 400)}`), []);
    assert.ok(r.seeds > 0, 'the target has checked-in seeds');
    assert.equal(r.executions, RUNS_PER_TARGET, 'every execution ran');
    const reach = SEEDS_REACH[target.name];
    assert.ok(reach, 'the test names what the seeds must reach');
    assert.ok(r.seedOutcomes.some((o) => reach.test(o)), `no seed reached ${reach} (got ${r.seedOutcomes.join(' | ')})`);
  });
}
