/**
 * A 60-second pass of the soak (src/lab/soak.ts): a 6-node ring plus a
 * chord, ping streams and checksummed TCP transfers over the TUN, seeded
 * link flaps and node restarts. Asserted: no loss in stable periods, every
 * completed transfer's sha256 matches (and at least one completes), every
 * fault recovers within the bound, no error line that a fault does not
 * explain. Timings are printed, never asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../../src/lab/soak.js';
import { formatReport, soakVerdict } from '../../src/lab/soak-report.js';
import { uniqueLabName } from '../helpers/lab.js';

test('soak, 60 s: no stable-period loss, checksums match, faults recover, no unexplained error lines', { timeout: 240_000 }, async (t) => {
  const report = await runSoak({ minutes: 1, nodes: 6, seed: Number(process.env.SKEIN_SOAK_SEED ?? 3), name: uniqueLabName('s') });
  for (const line of formatReport(report).split('\n')) t.diagnostic(line);
  assert.ok(report.faults.total >= 1, 'at least one fault happened');
  assert.equal(report.stableLoss.lost, 0, `stable-period loss: ${report.stableLoss.lost} of ${report.stableLoss.sent}`);
  assert.ok(report.stableLoss.sent > 0, 'some probes fell in stable periods');
  assert.equal(report.transfers.checksumMismatched, 0);
  assert.ok(report.transfers.checksumMatched >= 1);
  assert.deepEqual(report.errors.unexplained, []);
  assert.deepEqual(soakVerdict(report), []);
});
