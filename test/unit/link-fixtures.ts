/**
 * Test doubles for the link layer: a stand-in "certificate" (name + Ed25519
 * key, signed by a test CA key) and an authenticator that really checks it —
 * the CA signature, and that the certified key's X25519 form is exactly the
 * handshake's static key. The identity layer's real certificates replace it
 * in the daemon.
 */
import { Reader, Writer, bytesEqual } from '../../src/codec/codec.js';
import {
  type DhKeyPair,
  type SigningKeyPair,
  signingKeyPairFromSeed,
  sign,
  verify,
  x25519KeyPairFromSigning,
  x25519PublicFromEd25519,
} from '../../src/crypto/primitives.js';
import { nodeIdFromPublicKey, nodeIdToText } from '../../src/identity/node-id.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';
import type { Member } from '../../src/identity/member.js';
import type { AuthenticatePeer } from '../../src/link/types.js';
import type { LinkHandshakeOptions } from '../../src/link/handshake.js';
import type { NodeIdentity } from '../../src/node/identity.js';
import type { Duplex } from 'node:stream';
import { type TransportPair, transportPair } from '../../src/crypto/transport.js';
import { FrameDecoder, encodeFrame } from '../../src/link/framing.js';
import { createLinkHandshake } from '../../src/link/handshake.js';
import { MAX_FRAME_BYTES, MAX_HANDSHAKE_FRAME_BYTES } from '../../src/wire/link-constants.js';
import { decodeInitiation } from '../../src/wire/link-initiation.js';
import { type LinkMessage, decodeLinkMessage } from '../../src/wire/link-messages.js';

const CERT_DOMAIN = new TextEncoder().encode('skein test cert');
const MAX_NAME = 64;

export const TEST_CLUSTER = new Uint8Array([0x12, 0x34, 0x56, 0x78, 0x9a]);
export const OTHER_CLUSTER = new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd, 0xee]);

export function seededKeyPair(seed: number): SigningKeyPair {
  return signingKeyPairFromSeed(new Uint8Array(32).fill(seed));
}

function certBody(name: string, publicKey: Uint8Array): Uint8Array {
  return new Writer(256, 'test cert').bytes(CERT_DOMAIN).string8(name, MAX_NAME).bytes(publicKey, 32).finish();
}

/** A stand-in certificate: name, Ed25519 key, CA signature. */
export function issueTestCert(name: string, publicKey: Uint8Array, ca: SigningKeyPair): Uint8Array {
  const sig = sign(certBody(name, publicKey), ca.secretKey);
  return new Writer(256, 'test cert').string8(name, MAX_NAME).bytes(publicKey, 32).bytes(sig, 64).finish();
}

export function testAuthenticator(caPublicKey: Uint8Array): AuthenticatePeer {
  return (payload, remoteStatic) => {
    const r = new Reader(payload, 'test cert');
    const name = r.string8(MAX_NAME, 'name');
    const publicKey = r.bytes(32, 'public key');
    const sig = r.bytes(64, 'signature');
    r.end();
    if (!verify(sig, certBody(name, publicKey), caPublicKey)) {
      throw new SkeinError(ErrorCodes.CERT_UNKNOWN_ISSUER, `certificate of '${name}' is not signed by a trusted CA`);
    }
    if (!bytesEqual(x25519PublicFromEd25519(publicKey), remoteStatic)) {
      throw new SkeinError(ErrorCodes.AUTH, `certificate of '${name}' does not certify the handshake's static key`);
    }
    return identityOf(name, publicKey);
  };
}

/** A test member: no groups, certified until far in the future, its chain being its own key. */
export function identityOf(name: string, publicKey: Uint8Array): Member {
  const id = nodeIdFromPublicKey(publicKey);
  const idText = nodeIdToText(id);
  const notAfterMs = Number.MAX_SAFE_INTEGER;
  return { id, idText, name, publicKey, groups: [], notAfterMs, standing: { keyIds: [idText], notAfterMs } };
}

export interface TestNode {
  name: string;
  signing: SigningKeyPair;
  staticKeyPair: DhKeyPair;
  cert: Uint8Array;
  identity: Member;
}

export function makeTestNode(name: string, seed: number, ca: SigningKeyPair): TestNode {
  const signing = seededKeyPair(seed);
  return {
    name,
    signing,
    staticKeyPair: x25519KeyPairFromSigning(signing),
    cert: issueTestCert(name, signing.publicKey, ca),
    identity: identityOf(name, signing.publicKey),
  };
}

export const TEST_CA = seededKeyPair(200);
export const OTHER_CA = seededKeyPair(201);
export const ALICE = makeTestNode('alice', 1, TEST_CA);
export const BOB = makeTestNode('bob', 2, TEST_CA);

/** Handshake options for `node` in `role`, trusting TEST_CA unless told otherwise. */
export function handshakeOptions(
  node: TestNode,
  role: LinkHandshakeOptions['role'],
  overrides: Partial<LinkHandshakeOptions> = {},
): LinkHandshakeOptions {
  return {
    role,
    staticKeyPair: node.staticKeyPair,
    clusterId: TEST_CLUSTER,
    certificatePayload: node.cert,
    authenticatePeer: testAuthenticator(TEST_CA.publicKey),
    ...overrides,
  };
}

/** The part of a daemon's NodeIdentity a data host reads, for a test node of this cluster. */
export function dataHostIdentity(node: TestNode): NodeIdentity {
  return {
    key: { id: node.identity.id, dh: node.staticKeyPair, signing: node.signing },
    chain: node.cert,
    clusterId: TEST_CLUSTER,
  } as unknown as NodeIdentity;
}

/**
 * A certified member that speaks the link protocol by hand as the listener:
 * it completes a genuine handshake, then sends whatever link messages the
 * test tells it to (a hostile neighbour), and reports what it receives.
 */
export interface HandRolledListener {
  /** Resolves once the handshake is done and transport keys exist. */
  ready: Promise<void>;
  received: LinkMessage[];
  send(message: Uint8Array): void;
}

export function handRolledListener(stream: Duplex, node: TestNode): HandRolledListener {
  const hs = createLinkHandshake(handshakeOptions(node, 'responder'));
  hs.start();
  const decoder = new FrameDecoder(MAX_FRAME_BYTES, 'link');
  let transport: TransportPair | null = null;
  let first = true;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  const received: LinkMessage[] = [];
  stream.on('data', (chunk: Buffer) => {
    decoder.push(chunk);
    for (let f = decoder.next(); f !== null; f = decoder.next()) {
      if (transport !== null) {
        received.push(decodeLinkMessage(transport.receiver.openInPlace(f)));
        continue;
      }
      const step = hs.receive(first ? decodeInitiation(f).noiseMessage : f);
      first = false;
      if (step.send !== null) stream.write(encodeFrame(step.send, MAX_HANDSHAKE_FRAME_BYTES));
      if (step.result !== null) {
        transport = transportPair(step.result.sendKey, step.result.receiveKey);
        markReady();
      }
    }
  });
  return {
    ready,
    received,
    send(message) {
      if (transport === null) throw new Error('hand-rolled listener: handshake not done');
      stream.write(encodeFrame(transport.sender.seal(message), MAX_FRAME_BYTES));
    },
  };
}
