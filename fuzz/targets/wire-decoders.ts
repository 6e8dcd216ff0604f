/**
 * Every remaining wire decoder, the input's first byte choosing which:
 * routing messages and their parts, link messages, mesh packet headers,
 * session messages and payloads, unreachables, certificates, chains and
 * revocation lists. The stateful targets reach these too; here they get
 * the whole execution budget. Oracle: a DecodeError/SkeinError or a value,
 * nothing else.
 */
import { decodeCertificate } from '../../src/identity/certificate.js';
import { decodeChain } from '../../src/identity/chain.js';
import { decodeRevocationList } from '../../src/identity/revocation.js';
import { decodeLinkMessage } from '../../src/wire/link-messages.js';
import { readHeader } from '../../src/wire/packet.js';
import { decodeUnreachable } from '../../src/wire/packet-unreachable.js';
import { decodeAck } from '../../src/wire/routing-ack.js';
import { decodeRoutingMessage } from '../../src/wire/routing-message.js';
import { decodeRecord } from '../../src/wire/routing-record.js';
import { decodeSummary } from '../../src/wire/routing-summary.js';
import { decodeUpdate } from '../../src/wire/routing-update.js';
import { decodeInit, decodeInitPayload, decodeResponse, readDataPrefix } from '../../src/wire/session-messages.js';
import { decodeSessionPayload } from '../../src/wire/session-payload.js';
import { type FuzzTarget, typed } from '../engine/target.js';

export const DECODERS: ReadonlyArray<readonly [string, (b: Uint8Array) => unknown]> = [
  ['routing-message', decodeRoutingMessage], ['routing-record', decodeRecord], ['routing-update', decodeUpdate],
  ['routing-summary', decodeSummary], ['routing-ack', decodeAck], ['link-message', decodeLinkMessage],
  ['packet-header', readHeader], ['session-init', decodeInit], ['session-init-payload', decodeInitPayload],
  ['session-response', decodeResponse], ['session-data', readDataPrefix], ['session-payload', decodeSessionPayload],
  ['unreachable', decodeUnreachable], ['certificate', decodeCertificate], ['chain', decodeChain],
  ['revocation-list', decodeRevocationList],
];

export const wireDecodersTarget: FuzzTarget = {
  name: 'wire-decoders',
  description: 'every wire and identity decoder, chosen by the first input byte',
  maxInputBytes: 70 * 1024,
  run(input) {
    if (input.byteLength === 0) return 'empty';
    const [name, decode] = DECODERS[input[0]! % DECODERS.length]!;
    const body = input.subarray(1);
    return `${name}:${typed(() => { decode(body); return 'ok'; })}`;
  },
};
