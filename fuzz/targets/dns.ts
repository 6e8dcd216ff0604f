/**
 * DNS queries through the responder (dns/responder.ts) for the zone
 * fuzz.skein with the cluster's members. Invariants: answer() never throws
 * (it promises so); a reply decodes, is a response with the query's id,
 * fits the EDNS payload size, and echoes at most one question.
 */
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { EDNS_UDP_PAYLOAD_BYTES, DnsResponder, MAX_QUERY_BYTES } from '../../src/dns/responder.js';
import { cluster } from '../fixtures/cluster.js';
import { describe, Finding, type FuzzTarget, invariant } from '../engine/target.js';

export const DNS_ZONE = 'fuzz.skein';
const RCODE_MASK = 0x0f;

export function dnsQuery(name: string, type: string, id = 0x1234, edns = false): Uint8Array {
  return dnsPacket.encode({
    type: 'query', id, flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'AAAA', class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as unknown as dnsPacket.Answer] : [],
  });
}

export const dnsTarget: FuzzTarget = {
  name: 'dns',
  description: 'dns/responder.ts answer(): queries for the mesh zone from any local client',
  maxInputBytes: MAX_QUERY_BYTES + 16,
  run(input) {
    const names = new Map(cluster().members.map((m, i) => [m.name, new Uint8Array(16).fill(0xfd).map((b, j) => (j === 15 ? i + 1 : b))]));
    const responder = new DnsResponder({ zone: DNS_ZONE, lookup: (n) => names.get(n) });
    let reply: Uint8Array | null;
    try {
      reply = responder.answer(input);
    } catch (err) {
      throw new Finding('untyped-throw', `answer() threw ${describe(err)}`, { cause: err });
    }
    if (reply === null) return 'silent';
    invariant(reply.byteLength <= EDNS_UDP_PAYLOAD_BYTES, `a ${reply.byteLength}-byte reply exceeds ${EDNS_UDP_PAYLOAD_BYTES}`);
    let decoded;
    try {
      decoded = dnsPacket.decode(Buffer.from(reply));
    } catch (err) {
      throw new Finding('invariant', `the reply does not decode: ${describe(err)}`);
    }
    invariant(decoded.type === 'response', 'the reply is not a response');
    invariant(decoded.id === ((input[0]! << 8) | input[1]!), 'the reply does not carry the query id');
    invariant((decoded.questions ?? []).length <= 1, 'the reply echoes more than one question');
    return `rcode${(decoded.flags ?? 0) & RCODE_MASK}:${(decoded.answers ?? []).length}`;
  },
  generator: fc.record({
    label: fc.oneof(fc.constantFrom('anna', 'bert', 'cleo', 'nobody', ''), fc.stringMatching(/^[a-z0-9-]{1,20}$/)),
    zone: fc.constantFrom(DNS_ZONE, 'skein', 'example.com', `x.${DNS_ZONE}`),
    type: fc.constantFrom('AAAA', 'A', 'ANY', 'TXT', 'SOA', 'NS', 'MX'),
    id: fc.integer({ min: 0, max: 0xffff }),
    edns: fc.boolean(),
  }).map((q) => dnsQuery(q.label ? `${q.label}.${q.zone}` : q.zone, q.type, q.id, q.edns)),
};
