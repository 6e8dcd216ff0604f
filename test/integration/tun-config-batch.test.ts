/**
 * The TUN's ip steps run as one `ip -batch -` process: read-only `ip link
 * show` lines (no root, nothing changed) show that a batch succeeds and that
 * a failing line is reported as its own step with iproute2's reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIpSteps } from '../../src/dataplane/tun-config.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const show = (dev: string) => ({ kind: 'ip' as const, args: ['link', 'show', 'dev', dev] });

test('a batch of ip steps runs in one ip process', async () => {
  await runIpSteps('lo', [show('lo'), { kind: 'ip', args: ['-6', 'addr', 'show', 'dev', 'lo'] }]);
});

test('the failing line of a batch is named as its step, with the reason', async () => {
  await assert.rejects(runIpSteps('lo', [show('lo'), show('skein-no-such0'), show('lo')]), (err: unknown) => {
    assert.ok(isSkeinError(err, ErrorCodes.TUN_UNAVAILABLE));
    assert.match(err.message, /^configuring lo: ip link show dev skein-no-such0 failed: Device "skein-no-such0" does not exist\.$/);
    return true;
  });
});
