/**
 * One short pass of a fuzz target: its checked-in seeds replayed, then a
 * bounded number of mutated and generated inputs, with the target's oracles.
 * A finding fails with its input as hex; the seeds must still reach the deep
 * state named for the target (a protocol change that silently invalidates
 * the corpus is noticed).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { fuzzLoop } from '../../fuzz/engine/loop.js';
import type { FuzzTarget } from '../../fuzz/engine/target.js';

const RUNS_PER_TARGET = 150;
const CORPUS = fileURLToPath(new URL('../../fuzz/corpus/', import.meta.url));

export async function fuzzShortPass(target: FuzzTarget, seedsReach: RegExp | undefined): Promise<void> {
  const r = await fuzzLoop(target, { runs: RUNS_PER_TARGET, seconds: 60, seed: 7, hangMs: 5_000, corpusDir: `${CORPUS}${target.name}` });
  assert.deepEqual(r.findings.map((f) => `${f.kind}: ${f.message}\n  input ${f.inputHex.slice(0, 400)}`), []);
  assert.ok(r.seeds > 0, 'the target has checked-in seeds');
  assert.equal(r.executions, RUNS_PER_TARGET, 'every execution ran');
  assert.ok(seedsReach, 'the test names what the seeds must reach');
  assert.ok(r.seedOutcomes.some((o) => seedsReach.test(o)), `no seed reached ${seedsReach} (got ${r.seedOutcomes.join(' | ')})`);
}
