/**
 * A short pass of every fuzz target that runs without sockets
 * (fuzz/targets): the checked-in seeds replayed, then a bounded number of
 * mutated and generated inputs, with the targets' oracles. A finding fails the test and prints the input as hex
 * (save it as a .bin and replay it with a regression test). Also checks that
 * the seeds still reach the deep states they were captured for, so a
 * protocol change that silently invalidates the corpus is noticed.
 */
import { test } from 'node:test';
import { TARGETS } from '../../fuzz/targets/index.js';
import { fuzzShortPass } from '../helpers/fuzz-short-pass.js';

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

// Targets on real sockets have their short pass with the integration tests (native-link.test.ts).
for (const target of TARGETS.filter((t) => t.usesSockets !== true)) {
  test(`fuzz short pass: ${target.name}`, () => fuzzShortPass(target, SEEDS_REACH[target.name]));
}
