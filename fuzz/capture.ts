/**
 * Regenerates the seed corpus (fuzz/corpus/<target>/*.bin) from genuine
 * traffic: the real protocol cores of the fuzz cluster's members talking to
 * each other (advertisements as discovery sends them, the link handshake,
 * the routing exchange of a three-node line with a revocation, a session's
 * handshake and data, framed link messages, DNS queries as resolvers send
 * them, admin requests as the CLI sends them, relayed packets and a real
 * unreachable, TUN reads as applications send them). Deterministic except
 * where a handshake is in the seed: Noise draws its ephemeral keys from
 * libsodium, so those bytes differ from run to run (any run's seeds are
 * equally genuine).
 *
 *   node --import tsx fuzz/capture.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign } from '../src/crypto/primitives.js';
import { buildUnreachable } from '../src/dataplane/forward-unreachable.js';
import { UnreachableReason } from '../src/wire/packet-constants.js';
import { encodeCertificate } from '../src/identity/certificate.js';
import { decodeChain } from '../src/identity/chain.js';
import { cluster } from './fixtures/cluster.js';
import { routingExchange } from './fixtures/routing.js';
import { linkTranscript, sessionTranscript } from './fixtures/transcripts.js';
import { joinMessages } from './engine/messages.js';
import { advertisementFor } from './targets/advertisement.js';
import { dnsQuery, DNS_ZONE } from './targets/dns.js';
import { initiatorStream } from './targets/link-channel.js';
import { sampleLinkMessages, sealedStream } from './targets/link-frames.js';
import { meshPacket } from './targets/mesh-forward.js';
import { nativeTunSeeds } from './targets/native-tun.js';
import { DECODERS } from './targets/wire-decoders.js';
import { templateMessage } from './targets/session.js';
import { PacketType } from '../src/wire/packet-constants.js';

const CORPUS = new URL('./corpus/', import.meta.url).pathname;

function seeds(): Record<string, Record<string, Uint8Array>> {
  const c = cluster();
  const link = linkTranscript();
  const routing = routingExchange();
  const session = sessionTranscript();
  const [anna, bert, cleo] = c.members;
  const ping = sampleLinkMessages();
  const data = meshPacket(PacketType.DATA, 64, 0, 2, session.toResponder[1]!.subarray(35));
  const unreachable = buildUnreachable(cleo!.key.id, (m) => sign(m, cleo!.key.signing.secretKey), UnreachableReason.NO_ROUTE,
    meshPacket(PacketType.DATA, 60, 1, 3, new Uint8Array(40)));
  const admin = (lines: object[]) => new TextEncoder().encode(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const decoder = (name: string, bytes: Uint8Array) => {
    const i = DECODERS.findIndex(([n]) => n === name);
    return Buffer.concat([Buffer.from([i]), bytes]);
  };
  return {
    advertisement: {
      'bert-then-cleo': joinMessages([advertisementFor(1, 1), advertisementFor(2, 1)]),
      'bert-repeated': joinMessages([advertisementFor(1, 5), advertisementFor(1, 5), advertisementFor(1, 6)]),
      'own-and-revoked': joinMessages([advertisementFor(0, 1), advertisementFor(3, 2)]),
    },
    'link-handshake-responder': { 'anna-dials-bert': joinMessages([link.msg1, link.msg3]) },
    'link-handshake-initiator': { 'bert-answers-anna': joinMessages([link.msg2]) },
    'link-frames': {
      'one-chunk': Buffer.concat([Buffer.from([0]), sealedStream(ping)]),
      'byte-by-byte': Buffer.concat([Buffer.from([1]), sealedStream(ping.slice(0, 2))]),
      'chunks-of-7': Buffer.concat([Buffer.from([7]), sealedStream(ping)]),
    },
    'link-channel': { 'initiator-bytes': joinMessages(initiatorStream()), 'first-frame-only': joinMessages(initiatorStream().slice(0, 1)) },
    'native-tun': nativeTunSeeds(),
    routing: Object.fromEntries([
      ['whole-exchange', joinMessages(routing)],
      ...routing.map((m, i) => [`message-${i}`, joinMessages([m])]),
    ]),
    'mesh-forward': {
      'relay-data-and-unreachable': joinMessages([data, meshPacket(PacketType.DATA, 1, 0, 2, new Uint8Array(40)), unreachable]),
      'session-handshake': joinMessages([meshPacket(PacketType.HANDSHAKE_INIT, 64, 2, 0, session.toResponder[0]!.subarray(35))]),
      'unreachable-for-bert': joinMessages([buildUnreachable(cleo!.key.id, (m) => sign(m, cleo!.key.signing.secretKey), UnreachableReason.HOP_LIMIT_EXCEEDED,
        meshPacket(PacketType.DATA, 2, 1, 0, new Uint8Array(20)))]),
    },
    session: {
      'live-data-in-order': joinMessages([templateMessage(0), templateMessage(1), templateMessage(2)]),
      'live-data-replayed': joinMessages([templateMessage(1), templateMessage(1), templateMessage(0)]),
      'live-data-tampered': joinMessages([templateMessage(0, new Uint8Array(40).fill(0).fill(1, 39))]),
      'captured-init-and-data': joinMessages(session.toResponder),
    },
    dns: {
      'aaaa-bert': dnsQuery(`bert.${DNS_ZONE}`, 'AAAA', 1),
      'aaaa-edns': dnsQuery(`cleo.${DNS_ZONE}`, 'AAAA', 2, true),
      'a-record': dnsQuery(`anna.${DNS_ZONE}`, 'A', 3),
      'nxdomain': dnsQuery(`nobody.${DNS_ZONE}`, 'AAAA', 4),
      'apex-soa': dnsQuery(DNS_ZONE, 'SOA', 5),
      'outside': dnsQuery('example.com', 'AAAA', 6),
    },
    admin: {
      'status-and-ping': admin([{ v: 1, id: 1, method: 'status', params: {} }, { v: 1, id: 2, method: 'ping', params: { target: 'bert' } }]),
      'events-stream': admin([{ v: 1, id: 3, method: 'events' }, { v: 1, id: 4, method: 'methods' }]),
      'errors': admin([{ v: 2, id: 5, method: 'status' }, { v: 1, id: 6, method: 'crash' }, { v: 1, id: 7, method: 'nope' }]),
    },
    'wire-decoders': {
      'routing-message': decoder('routing-message', routing[1]!),
      'link-message': decoder('link-message', ping[2]!),
      'packet-header': decoder('packet-header', data),
      'session-init': decoder('session-init', session.toResponder[0]!),
      'unreachable': decoder('unreachable', unreachable),
      'certificate': decoder('certificate', encodeCertificate(decodeChain(bert!.chain)[0]!)),
      'chain': decoder('chain', anna!.chain),
      'revocation-list': decoder('revocation-list', c.revocationList),
    },
  };
}

function main(): void {
  let files = 0;
  let bytes = 0;
  for (const [target, byName] of Object.entries(seeds())) {
    const dir = join(CORPUS, target);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [name, data] of Object.entries(byName)) {
      writeFileSync(join(dir, `${name}.bin`), data);
      files++;
      bytes += data.byteLength;
    }
  }
  console.log(`fuzz corpus: ${files} seeds, ${bytes} bytes, in ${CORPUS}`);
}

main();
