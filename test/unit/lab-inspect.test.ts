import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkState, parseIpAddr, parseQdiscs } from '../../src/lab/inspect.js';
import { checkPrivileges, effectiveCapabilities, hasLabCapabilities } from '../../src/lab/preflight.js';
import { exitCodeOf, netnsArgv } from '../../src/lab/exec.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const IP_ADDR = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], address: '00:00:00:00:00:00', addr_info: [{ family: 'inet6', local: '::1', scope: 'host' }] },
  {
    ifindex: 2,
    ifname: 'demo-n2',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    address: 'f6:76:52:12:62:42',
    addr_info: [{ family: 'inet6', local: 'fe80::f476:52ff:fe12:6242', prefixlen: 64, scope: 'link' }],
  },
  { ifindex: 3, ifname: 'demo-n3', flags: ['BROADCAST', 'MULTICAST', 'UP'], address: 'aa:bb:cc:dd:ee:ff', addr_info: [{ family: 'inet6', local: 'fe80::1', scope: 'link', tentative: true }] },
  { ifindex: 4, ifname: 'demo-n4', flags: ['BROADCAST', 'MULTICAST'], address: '02:00:00:00:00:04', addr_info: [] },
]);

test('ip -j addr: admin state, carrier, and only usable link-local addresses', () => {
  const parsed = parseIpAddr(IP_ADDR);
  assert.deepEqual(parsed.get('demo-n2'), { ifname: 'demo-n2', adminUp: true, carrier: true, mac: 'f6:76:52:12:62:42', linkLocal: 'fe80::f476:52ff:fe12:6242' });
  assert.equal(parsed.get('demo-n3')?.linkLocal, undefined, 'a tentative address is not usable yet');
  assert.equal(parsed.get('demo-n3')?.carrier, false);
  assert.equal(parsed.get('demo-n4')?.adminUp, false);
  assert.equal(parseIpAddr('').size, 0);
  assert.equal(linkState(parsed.get('demo-n2'), parsed.get('demo-n2')), 'up');
  assert.equal(linkState(parsed.get('demo-n2'), parsed.get('demo-n4')), 'down');
  assert.equal(linkState(parsed.get('demo-n2'), undefined), 'missing');
});

test('tc qdisc show: netem/tbf roots are impairments, default qdiscs are not', () => {
  const text = [
    'qdisc noqueue 0: dev lo root refcnt 2',
    'qdisc netem 8001: dev demo-n2 root refcnt 13 limit 1000 delay 20ms loss 1%',
    'qdisc tbf 8002: dev demo-n3 root refcnt 2 rate 10Mbit burst 16Kb lat 100ms',
    'qdisc noqueue 0: dev demo-n4 root refcnt 2',
  ].join('\n');
  assert.deepEqual([...parseQdiscs(text)], [
    ['demo-n2', 'netem limit 1000 delay 20ms loss 1%'],
    ['demo-n3', 'tbf rate 10Mbit burst 16Kb lat 100ms'],
  ]);
});

test('privileges: both CAP_NET_ADMIN and CAP_SYS_ADMIN are needed, the error says why', () => {
  assert.equal(hasLabCapabilities('000001fffeffffff'), true);
  assert.equal(hasLabCapabilities('0000000000001000'), false, 'NET_ADMIN alone cannot mount a namespace');
  assert.equal(hasLabCapabilities('0000000000201000'), true);
  assert.equal(hasLabCapabilities('0000000000000000'), false);
  assert.equal(hasLabCapabilities('zz'), false);
  assert.equal(effectiveCapabilities('Name:\tnode\nCapPrm:\t0\nCapEff:\t0000000000201000\n'), '0000000000201000');
  assert.throws(
    () => checkPrivileges(() => 'CapEff:\t0000000000000000\n'),
    (err: unknown) => isSkeinError(err, ErrorCodes.LAB_NOT_ROOT) && /needs root \(CAP_NET_ADMIN and CAP_SYS_ADMIN\): it creates network namespaces/.test(err.message),
  );
  assert.doesNotThrow(() => checkPrivileges(() => 'CapEff:\t000001ffffffffff\n'));
});

test('exec: argv goes to ip netns exec unchanged; signals map to 128+n', () => {
  assert.deepEqual(netnsArgv('skein-demo-n1', ['sh', '-c', 'echo $1; exit 3', 'x y']), ['netns', 'exec', 'skein-demo-n1', 'sh', '-c', 'echo $1; exit 3', 'x y']);
  assert.throws(() => netnsArgv('skein-demo-n1', []), (err: unknown) => isSkeinError(err, ErrorCodes.USAGE));
  assert.equal(exitCodeOf(3, null), 3);
  assert.equal(exitCodeOf(null, 'SIGKILL'), 137);
  assert.equal(exitCodeOf(null, 'SIGTERM'), 143);
});
