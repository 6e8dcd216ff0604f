/**
 * A small authoritative DNS responder for the cluster zone (zone.ts): bytes
 * in, bytes out, no socket (server.ts adds UDP). Packets are parsed and
 * built with dns-packet; this file is the policy:
 *
 *   AAAA (or ANY) for a member        -> the member's address, authoritative
 *   any other type for a member/apex  -> NOERROR, no answer (NODATA) + SOA
 *   unknown name under the zone       -> NXDOMAIN + SOA (negative caching, RFC 2308)
 *   name outside the zone, class not IN -> REFUSED (we are nobody's resolver)
 *   opcode other than QUERY           -> NOTIMP
 *   not exactly one question, undecodable -> FORMERR (if the id can be read)
 *   a response, or fewer than 12 bytes, or larger than MAX_QUERY_BYTES -> no reply
 *
 * EDNS: an OPT in the query gets an OPT back (RFC 6891 wants FORMERR from
 * a server that ignores it, which only costs clients a retry).
 */
import dnsPacket from 'dns-packet';
import type { Answer, Packet, Question } from 'dns-packet';
import { ipv6ToText } from '../util/ipv6-text.js';
import { DecodeError } from '../util/errors.js';
import { classifyName, normalizeName } from './zone.js';

/** Queries are small; anything bigger is not one we answer (EDNS's recommended UDP size). */
export const MAX_QUERY_BYTES = 1232;
export const DNS_HEADER_BYTES = 12;
/** Membership changes within seconds (certificates, revocations): answers are cached briefly. */
export const ANSWER_TTL_SECONDS = 10;
/** How long a resolver may remember "no such member" (SOA minimum, RFC 2308). */
export const NEGATIVE_TTL_SECONDS = 5;
export const EDNS_UDP_PAYLOAD_BYTES = 1232;

const QR_BIT = 0x8000;
const OPCODE_MASK = 0x7800;
const RD_BIT = 0x0100;
const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type RcodeNumber = (typeof Rcode)[keyof typeof Rcode];

export interface DnsResponderOptions {
  /** The zone, e.g. "prod.skein" (zoneFor). */
  zone: string;
  /** A member's address (16 bytes) by node name, or undefined when no member has that name. */
  lookup: (name: string) => Uint8Array | undefined;
}

export interface DnsCounters {
  answered: number;
  nodata: number;
  nxdomain: number;
  refused: number;
  formerr: number;
  notimp: number;
  /** Not answered at all (responses, runts, oversize). */
  dropped: number;
}

/** Decode a query; every failure is a DecodeError (dns-packet throws plain Errors). */
export function decodeQuery(bytes: Uint8Array): Packet {
  if (bytes.byteLength < DNS_HEADER_BYTES) throw new DecodeError(`DNS query: ${bytes.byteLength} bytes is shorter than the header`);
  if (bytes.byteLength > MAX_QUERY_BYTES) throw new DecodeError(`DNS query: ${bytes.byteLength} bytes exceeds ${MAX_QUERY_BYTES}`);
  try {
    return dnsPacket.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new DecodeError(`DNS query: ${(err as Error)?.message ?? String(err)}`);
  }
}

/**
 * True if the question re-encodes to exactly the bytes it came in. dns-packet
 * turns a name into dotted text, which loses a label holding a '.' or an
 * empty label: echoing such a question would send a malformed (or another)
 * question back, so those get FORMERR without an echo. Compressed question
 * names (legal, never sent by resolvers) land there too.
 */
function questionEchoesExactly(query: Uint8Array, q: Question): boolean {
  let encoded: Buffer;
  try {
    encoded = dnsPacket.encode({ type: 'query', id: 0, questions: [{ name: q.name, type: q.type, class: q.class ?? 'IN' }] });
  } catch {
    return false;
  }
  const question = encoded.subarray(DNS_HEADER_BYTES);
  const asked = query.subarray(DNS_HEADER_BYTES, DNS_HEADER_BYTES + question.byteLength);
  return asked.byteLength === question.byteLength && Buffer.compare(question, asked) === 0;
}

export class DnsResponder {
  readonly counters: DnsCounters = { answered: 0, nodata: 0, nxdomain: 0, refused: 0, formerr: 0, notimp: 0, dropped: 0 };

  constructor(private readonly opts: DnsResponderOptions) {}

  /** The response to send back, or null to stay silent. Never throws for any input. */
  answer(query: Uint8Array): Uint8Array | null {
    if (query.byteLength < DNS_HEADER_BYTES || query.byteLength > MAX_QUERY_BYTES) return this.drop();
    const view = new DataView(query.buffer, query.byteOffset, query.byteLength);
    const id = view.getUint16(0);
    const flags = view.getUint16(2);
    if (flags & QR_BIT) return this.drop();
    if (flags & OPCODE_MASK) return this.reply(id, flags, Rcode.NOTIMP, []);
    let packet: Packet;
    try {
      packet = decodeQuery(query);
    } catch {
      return this.reply(id, flags, Rcode.FORMERR, []);
    }
    const questions = packet.questions ?? [];
    const edns = (packet.additionals ?? []).some((a) => a.type === 'OPT');
    const q = questions[0];
    if (questions.length !== 1 || !q) return this.reply(id, flags, Rcode.FORMERR, [], undefined, edns);
    if (!questionEchoesExactly(query, q)) return this.reply(id, flags, Rcode.FORMERR, [], undefined, edns);
    try {
      return this.answerQuestion(id, flags, q, edns);
    } catch {
      // dns-packet could not re-encode what it decoded (an exotic question): answer without echoing it.
      return this.reply(id, flags, Rcode.FORMERR, []);
    }
  }

  private answerQuestion(id: number, flags: number, q: Question, edns: boolean): Uint8Array {
    const where = classifyName(q.name, this.opts.zone);
    const klass = q.class ?? 'IN';
    if (where.kind === 'outside' || (klass !== 'IN' && klass !== 'ANY')) return this.reply(id, flags, Rcode.REFUSED, [], q, edns);
    if (where.kind === 'nonexistent') return this.reply(id, flags, Rcode.NXDOMAIN, [], q, edns);
    if (where.kind === 'apex') return this.reply(id, flags, Rcode.NOERROR, [], q, edns);
    const address = this.opts.lookup(where.name);
    if (!address) return this.reply(id, flags, Rcode.NXDOMAIN, [], q, edns);
    if (q.type !== 'AAAA' && (q.type as string) !== 'ANY') return this.reply(id, flags, Rcode.NOERROR, [], q, edns);
    const answer: Answer = { type: 'AAAA', class: 'IN', name: q.name, ttl: ANSWER_TTL_SECONDS, data: ipv6ToText(address) };
    return this.reply(id, flags, Rcode.NOERROR, [answer], q, edns);
  }

  private drop(): null {
    this.counters.dropped++;
    return null;
  }

  private count(rcode: RcodeNumber, answers: number): void {
    const c = this.counters;
    if (rcode === Rcode.NOERROR) answers > 0 ? c.answered++ : c.nodata++;
    else if (rcode === Rcode.NXDOMAIN) c.nxdomain++;
    else if (rcode === Rcode.REFUSED) c.refused++;
    else if (rcode === Rcode.NOTIMP) c.notimp++;
    else c.formerr++;
  }

  private reply(id: number, queryFlags: number, rcode: RcodeNumber, answers: Answer[], q?: Question, edns = false): Uint8Array {
    this.count(rcode, answers.length);
    const authoritative = rcode === Rcode.NOERROR || rcode === Rcode.NXDOMAIN;
    const flags = (queryFlags & (OPCODE_MASK | RD_BIT)) | (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | rcode;
    const negative = authoritative && answers.length === 0;
    return dnsPacket.encode({
      type: 'response',
      id,
      flags,
      questions: q ? [{ name: q.name, type: q.type, class: q.class ?? 'IN' }] : [],
      answers,
      authorities: negative ? [this.soa()] : [],
      additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_PAYLOAD_BYTES, flags: 0, options: [] } as unknown as Answer] : [],
    });
  }

  private soa(): Answer {
    const zone = normalizeName(this.opts.zone);
    return {
      type: 'SOA',
      name: zone,
      ttl: NEGATIVE_TTL_SECONDS,
      data: { mname: `ns.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: NEGATIVE_TTL_SECONDS },
    };
  }
}
