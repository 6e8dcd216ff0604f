/**
 * Members' names for the host's resolver (src/dns/system-names.ts): split
 * DNS through systemd-resolved, set up only where resolved serves the TUN
 * device and undone at stop; the hosts-file block written at start,
 * rewritten once per burst of member changes (virtual time) and removed at
 * stop. resolvectl is a double that records its command lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { HOSTS_FILE_DEBOUNCE_MS, SystemNames, type SystemNamesOptions } from '../../src/dns/system-names.js';
import { RESOLVED_RUNNING_MARKER, resolvedServer, resolvedServes, type CommandResult } from '../../src/dns/system-resolver.js';
import type { HostsMember } from '../../src/dns/hosts.js';

const ADDRESS = 'fd12:3456:789a:11::1';
const ON = { dnsEnabled: true, dnsPort: 53, resolved: true, hostsFile: false, hostsFilePath: '/nonexistent/hosts' };

function rig(overrides: Partial<SystemNamesOptions> = {}, fail?: string) {
  const commands: string[] = [];
  const clock = new ManualClock();
  let members: HostsMember[] = [{ name: 'n1', address: 'fd00::1' }];
  const listeners = new Set<() => void>();
  const names = new SystemNames({
    settings: ON, cluster: 'prod', zone: 'prod.skein', device: () => 'skein0', address: ADDRESS,
    members: () => members,
    onMembersChanged: (fn) => { listeners.add(fn); return () => listeners.delete(fn); },
    clock, log: silentLogger(), resolvedRuns: () => true,
    run: async (argv): Promise<CommandResult> => {
      commands.push(argv.join(' '));
      return argv[1] === fail ? { code: 1, stderr: 'Failed to set DNS configuration: Access denied' } : { code: 0, stderr: '' };
    },
    ...overrides,
  });
  return {
    names, commands, clock, listeners,
    setMembers: (m: HostsMember[]) => { members = m; for (const fn of listeners) fn(); },
  };
}

test('split DNS: the zone goes to the TUN address as a routing-only domain, reverted at stop', async () => {
  const r = rig();
  await r.names.start();
  assert.deepEqual(r.commands, [
    `resolvectl dns skein0 ${ADDRESS}`,
    'resolvectl domain skein0 ~prod.skein',
    'resolvectl default-route skein0 false',
  ]);
  await r.names.stop();
  assert.equal(r.commands.at(-1), 'resolvectl revert skein0');
  await r.names.stop();
  assert.equal(r.commands.length, 4, 'a second stop reverts nothing more');
});

test('split DNS is skipped without resolved, without a TUN device, with dns or resolved off', async () => {
  for (const o of [
    { resolvedRuns: () => false },
    { device: () => undefined },
    { settings: { ...ON, resolved: false } },
    { settings: { ...ON, dnsEnabled: false } },
  ] satisfies Array<Partial<SystemNamesOptions>>) {
    const r = rig(o);
    await r.names.start();
    await r.names.stop();
    assert.deepEqual(r.commands, []);
  }
});

test('a refused resolvectl step is undone and does not stop the node', async () => {
  const r = rig({}, 'domain');
  await r.names.start();
  assert.deepEqual(r.commands, [`resolvectl dns skein0 ${ADDRESS}`, 'resolvectl domain skein0 ~prod.skein', 'resolvectl revert skein0']);
  await r.names.stop();
  assert.equal(r.commands.length, 3);
});

test('a DNS port other than 53 is given as [address]:port', () => {
  assert.equal(resolvedServer(ADDRESS, 53), ADDRESS);
  assert.equal(resolvedServer(ADDRESS, 5353), `[${ADDRESS}]:5353`);
});

test('resolved counts only when it runs, the device is a kernel device, and we share PID 1\'s network namespace', () => {
  const probe = (paths: string[], ns: Record<string, string | undefined>) => ({ exists: (p: string) => paths.includes(p), readlink: (p: string) => ns[p] });
  const all = [RESOLVED_RUNNING_MARKER, '/sys/class/net/skein0'];
  const same = { '/proc/self/ns/net': 'net:[1]', '/proc/1/ns/net': 'net:[1]' };
  assert.equal(resolvedServes('skein0', probe(all, same)), true);
  assert.equal(resolvedServes('skein0', probe([RESOLVED_RUNNING_MARKER], same)), false);
  assert.equal(resolvedServes('skein0', probe(['/sys/class/net/skein0'], same)), false);
  assert.equal(resolvedServes('skein0', probe(all, { '/proc/self/ns/net': 'net:[2]', '/proc/1/ns/net': 'net:[1]' })), false);
  // The service's own user may not read PID 1's namespace: a host service.
  assert.equal(resolvedServes('skein0', probe(all, { '/proc/self/ns/net': 'net:[2]', '/proc/1/ns/net': undefined })), true);
});

test('hosts file: written at start, rewritten once per burst of member changes, removed at stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-system-names-'));
  try {
    const path = join(dir, 'hosts');
    writeFileSync(path, '127.0.0.1 localhost\n');
    const r = rig({ settings: { ...ON, resolved: false, hostsFile: true, hostsFilePath: path } });
    await r.names.start();
    assert.equal(readFileSync(path, 'utf8'), '127.0.0.1 localhost\n# BEGIN skein prod\nfd00::1 n1.prod.skein\n# END skein prod\n');
    r.setMembers([{ name: 'n1', address: 'fd00::1' }, { name: 'n2', address: 'fd00::2' }]);
    r.setMembers([{ name: 'n1', address: 'fd00::1' }, { name: 'n2', address: 'fd00::2' }, { name: 'n3', address: 'fd00::3' }]);
    assert.doesNotMatch(readFileSync(path, 'utf8'), /n2/, 'not before the debounce');
    r.clock.advance(HOSTS_FILE_DEBOUNCE_MS);
    assert.equal(readFileSync(path, 'utf8'), '127.0.0.1 localhost\n# BEGIN skein prod\nfd00::1 n1.prod.skein\nfd00::2 n2.prod.skein\nfd00::3 n3.prod.skein\n# END skein prod\n');
    r.setMembers([{ name: 'n1', address: 'fd00::1' }]);
    await r.names.stop();
    assert.equal(readFileSync(path, 'utf8'), '127.0.0.1 localhost\n');
    assert.equal(r.listeners.size, 0, 'no longer follows the members');
    r.clock.advance(HOSTS_FILE_DEBOUNCE_MS);
    assert.equal(readFileSync(path, 'utf8'), '127.0.0.1 localhost\n', 'a change pending at stop is not written after it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hosts file: a file the daemon cannot use is logged, and the node runs on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-system-names-'));
  try {
    const path = join(dir, 'hosts');
    writeFileSync(path, '# BEGIN skein prod\n10.0.0.1 mine\n');
    const r = rig({ settings: { ...ON, resolved: false, hostsFile: true, hostsFilePath: path } });
    await r.names.start();
    await r.names.stop();
    assert.equal(readFileSync(path, 'utf8'), '# BEGIN skein prod\n10.0.0.1 mine\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
