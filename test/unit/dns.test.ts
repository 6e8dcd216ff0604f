import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';
import { createSocket } from 'node:dgram';
import { ipv6FromText } from '../../src/util/ipv6-text.js';
import { DnsResponder, MAX_QUERY_BYTES } from '../../src/dns/responder.js';
import { startDnsServer } from '../../src/dns/server.js';
import { classifyName, zoneFor } from '../../src/dns/zone.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const ZONE = zoneFor('prod');
const MEMBERS = new Map([['alpha', ipv6FromText('fd12:3456:789a:11:2233:4455:6677:8899')], ['bravo', ipv6FromText('fd12:3456:789a:1::')]]);
const responder = () => new DnsResponder({ zone: ZONE, lookup: (n) => MEMBERS.get(n) });

function query(name: string, type: RecordType | string = 'AAAA', extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: 0xbeef, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as RecordType, class: 'IN' }], ...extra });
}

/** dns-packet decodes the rcode too; its types leave it out. */
type Decoded = DecodedPacket & { rcode: string };

function ask(r: DnsResponder, q: Uint8Array): Decoded {
  const out = r.answer(q);
  assert.ok(out, 'expected a response');
  return dnsPacket.decode(Buffer.from(out)) as Decoded;
}

test('zone names: <cluster>.skein by default, a custom suffix, bad labels refused', () => {
  assert.equal(ZONE, 'prod.skein');
  assert.equal(zoneFor('prod', 'mesh.example.'), 'prod.mesh.example');
  assert.throws(() => zoneFor('Prod'), (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG));
  assert.throws(() => zoneFor('prod', 'bad_suffix'), (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG));
  assert.deepEqual(classifyName('Alpha.PROD.skein.', ZONE), { kind: 'member', name: 'alpha' });
  assert.deepEqual(classifyName('prod.skein', ZONE), { kind: 'apex' });
  assert.deepEqual(classifyName('x.alpha.prod.skein', ZONE), { kind: 'nonexistent' });
  assert.deepEqual(classifyName('-x.prod.skein', ZONE), { kind: 'nonexistent' });
  assert.deepEqual(classifyName('alpha.prodskein', ZONE), { kind: 'outside' });
  assert.deepEqual(classifyName('example.com', ZONE), { kind: 'outside' });
});

test('AAAA for a member: authoritative answer with the address, the id and question echoed, RD copied, case kept', () => {
  const r = responder();
  const res = ask(r, query('Alpha.prod.skein'));
  assert.equal(res.id, 0xbeef);
  assert.equal(res.type, 'response');
  assert.equal(res.rcode, 'NOERROR');
  assert.equal(res.flag_aa, true);
  assert.equal(res.flag_rd, true);
  assert.equal(res.flag_ra, false);
  assert.deepEqual(res.questions, [{ name: 'Alpha.prod.skein', type: 'AAAA', class: 'IN' }]);
  assert.equal(res.answers?.length, 1);
  const a = res.answers![0]! as { type: string; data: string; ttl: number; name: string };
  assert.deepEqual([a.type, a.data, a.ttl, a.name], ['AAAA', 'fd12:3456:789a:11:2233:4455:6677:8899', 10, 'Alpha.prod.skein']);
  assert.equal(r.counters.answered, 1);
});

test('A, MX, TXT for a member and anything for the apex: NODATA (NOERROR, no answer, SOA for negative caching)', () => {
  const r = responder();
  for (const [name, type] of [['alpha.prod.skein', 'A'], ['bravo.prod.skein', 'MX'], ['alpha.prod.skein', 'TXT'], ['prod.skein', 'AAAA']] as const) {
    const res = ask(r, query(name, type));
    assert.equal(res.rcode, 'NOERROR', `${type} ${name}`);
    assert.equal(res.answers?.length, 0);
    assert.equal(res.flag_aa, true);
    assert.equal(res.authorities?.[0]?.type, 'SOA');
  }
  assert.equal(r.counters.nodata, 4);
});

test('unknown names under the zone: NXDOMAIN; outside it or another class: REFUSED', () => {
  const r = responder();
  for (const name of ['charlie.prod.skein', 'a.alpha.prod.skein']) {
    const res = ask(r, query(name));
    assert.equal(res.rcode, 'NXDOMAIN', name);
    assert.equal(res.authorities?.[0]?.type, 'SOA');
  }
  for (const name of ['example.com', 'alpha.other.skein', 'skein']) assert.equal(ask(r, query(name)).rcode, 'REFUSED', name);
  const chaos = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'alpha.prod.skein', type: 'TXT', class: 'CH' }] });
  assert.equal(ask(r, chaos).rcode, 'REFUSED');
  assert.deepEqual([r.counters.nxdomain, r.counters.refused], [2, 4]);
});

test('EDNS gets an OPT back; several questions FORMERR; other opcodes NOTIMP; responses, runts and giants get nothing', () => {
  const r = responder();
  const edns = ask(r, query('alpha.prod.skein', 'AAAA', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] }));
  assert.equal(edns.additionals?.[0]?.type, 'OPT');
  const two = dnsPacket.encode({ type: 'query', id: 2, questions: [{ name: 'alpha.prod.skein', type: 'AAAA' }, { name: 'bravo.prod.skein', type: 'AAAA' }] });
  assert.equal(ask(r, two).rcode, 'FORMERR');
  const update = query('alpha.prod.skein');
  update.writeUInt16BE(update.readUInt16BE(2) | (5 << 11), 2); // opcode UPDATE
  assert.equal(ask(r, update).rcode, 'NOTIMP');
  const response = Buffer.from(r.answer(query('alpha.prod.skein'))!);
  assert.equal(r.answer(response), null);
  assert.equal(r.answer(new Uint8Array(11)), null);
  assert.equal(r.answer(new Uint8Array(MAX_QUERY_BYTES + 1)), null);
  const garbage = Buffer.concat([query('alpha.prod.skein').subarray(0, 12), Buffer.from([0xc0, 0xff])]);
  assert.equal(ask(r, garbage).rcode, 'FORMERR');
  assert.equal(r.counters.dropped, 3);
});

test('a question dns-packet cannot echo as asked (a label holding a dot, an empty label) gets FORMERR without an echo', () => {
  // Found by the fuzz test: labels ".", "b", "c", "prod", "skein" decode to the text "..b.c.prod.skein",
  // which re-encodes as another (truncated) name: echoing it made a malformed response.
  const labels = (...ls: string[]) => [...ls.flatMap((l) => [l.length, ...Buffer.from(l)]), 0];
  const header = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const name of [labels('.', 'b', 'prod', 'skein'), labels('a.b', 'prod', 'skein'), [0xc0, 0x0c]]) {
    const query = Uint8Array.from([...header, ...name, 0, 28, 0, 1]);
    const res = ask(responder(), query);
    assert.equal(res.id, 0x1234);
    assert.equal(res.rcode, 'FORMERR');
    assert.equal(res.questions?.length ?? 0, 0);
  }
});

test('UDP server on loopback answers a real query and closes', async () => {
  const server = await startDnsServer({ host: '::1', port: 0, responder: responder() });
  const client = createSocket('udp6');
  try {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no DNS reply within 2 s')), 2000);
      client.once('message', (m) => { clearTimeout(timer); resolve(m); });
      client.send(query('bravo.prod.skein'), server.port, '::1');
    });
    const res = dnsPacket.decode(reply);
    assert.equal((res.answers?.[0] as { data: string }).data, 'fd12:3456:789a:1::');
  } finally {
    client.close();
    await server.close();
  }
  await assert.rejects(
    (async () => { const s = await startDnsServer({ host: '::1', port: 0, responder: responder() }); try { await startDnsServer({ host: '::1', port: s.port, responder: responder() }); } finally { await s.close(); } })(),
    (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG) && /EADDRINUSE/.test(e.message),
  );
});
