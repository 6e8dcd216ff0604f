/**
 * The DNS responder as a service (dns/service.ts): it starts only with a
 * TUN address to listen on, its start is not awaited by the daemon's
 * start-up, and a responder that cannot start is logged while the node
 * runs on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { DnsService, type DnsServiceOptions } from '../../src/dns/service.js';
import { createLogger } from '../../src/util/log.js';

/** An address no interface of this host has (TEST-NET-1): binding it fails at once, nothing is sent. */
const NOT_OURS = '192.0.2.1';

function service(overrides: Partial<DnsServiceOptions>): { dns: DnsService; lines: () => string[] } {
  let text = '';
  const destination = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  const dns = new DnsService({
    enabled: true, port: 53, zone: 'lab.skein', listenAddress: () => NOT_OURS, lookup: () => undefined,
    log: createLogger({ level: 'info', destination }), ...overrides,
  });
  return { dns, lines: () => text.split('\n').filter(Boolean) };
}

test('dns service: without a TUN address, or disabled, it does not start', async () => {
  for (const overrides of [{ listenAddress: () => undefined }, { enabled: false }]) {
    const { dns, lines } = service(overrides);
    dns.start();
    await dns.stop();
    assert.deepEqual(dns.status(), { dns: null, dnsCounters: null });
    assert.deepEqual(lines(), []);
  }
});

test('dns service: the start is not awaited, and a responder that cannot start is logged; the node runs on', async () => {
  const { dns, lines } = service({});
  assert.equal(dns.start(), undefined, 'start returns at once: nothing on the way to the first packet waits for DNS');
  await dns.stop(); // waits for the start under way, which never rejects
  assert.equal(dns.status().dns, null);
  assert.ok(lines().some((l) => l.includes('DNS responder not started')), lines().join('\n'));
});
