import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearImpairmentCommands, describeImpairment, impairCommands, parseDelay, parseLoss, parseRate, qdiscArgs } from '../../src/lab/impairment.js';
import { findLink, layoutLab } from '../../src/lab/layout.js';
import { generateTopology } from '../../src/lab/topology.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const usage = (pattern: RegExp) => (err: unknown) => isSkeinError(err, ErrorCodes.USAGE) && pattern.test(err.message);

test('delay, loss and rate parse the tc-style units operators type', () => {
  assert.equal(parseDelay('20ms'), 20);
  assert.equal(parseDelay('1.5s'), 1500);
  assert.equal(parseDelay('500us'), 0.5);
  assert.equal(parseLoss('1%'), 1);
  assert.equal(parseLoss('0.5'), 0.5);
  assert.equal(parseRate('10mbit'), 10_000_000);
  assert.equal(parseRate('1Gbit'), 1_000_000_000);
  assert.equal(parseRate('500kbit'), 500_000);
  for (const bad of ['20', 'ms', '-1ms', '61s', '20 ms; rm -rf /']) assert.throws(() => parseDelay(bad), usage(/invalid delay/));
  for (const bad of ['101%', '-1%', 'x', '1%%']) assert.throws(() => parseLoss(bad), usage(/invalid loss/));
  for (const bad of ['10', '1bit', '10mbps', '200gbit']) assert.throws(() => parseRate(bad), usage(/invalid rate/));
});

test('delay/loss use netem (with its own rate); a rate alone uses tbf', () => {
  assert.deepEqual(qdiscArgs({ delayMs: 20, lossPercent: 1 }), ['netem', 'delay', '20000us', 'loss', '1%']);
  assert.deepEqual(qdiscArgs({ delayMs: 5, rateBitsPerSecond: 1_000_000 }), ['netem', 'delay', '5000us', 'rate', '1000000bit']);
  assert.deepEqual(qdiscArgs({ rateBitsPerSecond: 10_000_000 }), ['tbf', 'rate', '10000000bit', 'burst', '16384', 'latency', '100ms']);
  assert.deepEqual(qdiscArgs({ rateBitsPerSecond: 1_000_000_000 }).slice(3, 5), ['burst', '1250000']);
  assert.throws(() => qdiscArgs({}), usage(/at least one of --delay, --loss, --rate/));
  assert.equal(describeImpairment({ delayMs: 20, lossPercent: 1, rateBitsPerSecond: 10_000_000 }), 'delay 20ms loss 1% rate 10mbit');
});

test('impair and clear act on the root qdisc of both ends, inside their namespaces', () => {
  const link = findLink(layoutLab('demo', generateTopology({ kind: 'line', nodes: 2 })), 'n1', 'n2');
  assert.deepEqual(impairCommands(link, { lossPercent: 2 }).map((c) => [c.file, ...c.args].join(' ')), [
    'tc -n skein-demo-n1 qdisc replace dev demo-n2 root netem loss 2%',
    'tc -n skein-demo-n2 qdisc replace dev demo-n1 root netem loss 2%',
  ]);
  assert.deepEqual(clearImpairmentCommands(link).map((c) => c.args.join(' ')), [
    '-n skein-demo-n1 qdisc del dev demo-n2 root',
    '-n skein-demo-n2 qdisc del dev demo-n1 root',
  ]);
});
