/**
 * The `peers` key: plain addresses keep working, tables pin a peer by name,
 * id or both, and every mistake is named with its index and key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/node/config.js';
import { MAX_STATIC_PEERS, describeStaticPeer, expectedPeerOf } from '../../src/node/peer-config.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';

const FILE = '/etc/skein/skein.toml';
const minimal = 'key = "node.key"\ncertificate = "node.crt"\nca = ["ca.crt"]\n';
const ID = '0afc129b5e7d4c3b2a19087f6e5d4c3b';

const peersOf = (peers: string) => parseConfigText(`${minimal}peers = ${peers}\n`, FILE).peers;

function peersError(peers: string): string {
  try {
    parseConfigText(`${minimal}peers = ${peers}\n`, FILE);
  } catch (err) {
    assert.ok(err instanceof SkeinError);
    assert.equal(err.code, ErrorCodes.CONFIG);
    return err.message;
  }
  assert.fail(`expected a config error for peers = ${peers}`);
}

test('plain "host:port" strings keep working and pin nothing', () => {
  const peers = peersOf('["gw.example.net:7460", "[2001:db8::1]:7460", "[fe80::1%eth0]:7460"]');
  assert.deepEqual(peers, [{ address: 'gw.example.net:7460' }, { address: '[2001:db8::1]:7460' }, { address: '[fe80::1%eth0]:7460' }]);
  assert.equal(expectedPeerOf(peers[0]!), undefined);
  assert.equal(describeStaticPeer(peers[0]!), 'gw.example.net:7460');
  assert.deepEqual(parseConfigText(minimal, FILE).peers, []);
});

test('a table pins a peer by name, by id, or by both, and mixes with plain strings', () => {
  const peers = peersOf(`["a.example:7460", { address = "gw.example.net:7460", name = "gw2" }, { address = "10.0.0.9:7460", id = "${ID}" }, { address = "[2001:db8::9]:7460", name = "gw3", id = "${ID}" }]`);
  assert.deepEqual(peers.map(expectedPeerOf), [undefined, { name: 'gw2' }, { idText: ID }, { name: 'gw3', idText: ID }]);
  assert.equal(describeStaticPeer(peers[3]!), `[2001:db8::9]:7460 (pinned to name 'gw3', id ${ID})`);
});

test('a bad pin is named with its index and key', () => {
  assert.match(peersError(`["a:1", { address = "gw:7460", id = "${ID.toUpperCase()}" }]`), /^\/etc\/skein\/skein\.toml: peers\[1\]\.id: must be a node id: 32 lowercase hex characters/);
  assert.match(peersError('["a:1", { address = "gw:7460", id = "0afc" }]'), /peers\[1\]\.id: must be a node id/);
  assert.match(peersError('[{ address = "gw:7460", name = "GW2" }]'), /peers\[0\]\.name: must be a node name/);
  assert.match(peersError('[{ address = "gw:7460", name = "-gw" }]'), /peers\[0\]\.name: must be a node name/);
  assert.match(peersError('[{ address = "gw:7460", name = 2 }]'), /peers\[0\]\.name: /);
  assert.match(peersError('[{ address = "gw", name = "gw2" }]'), /peers\[0\]\.address: must be host:port/);
  assert.match(peersError('[{ address = "gw:99999", name = "gw2" }]'), /peers\[0\]\.address: port 99999 is outside 1-65535/);
  assert.match(peersError('["gw:0"]'), /peers\[0\]: port 0 is outside 1-65535/);
  assert.match(peersError('[{ name = "gw2" }]'), /peers\[0\]\.address: is required: host:port/);
});

test('unknown keys in a peer table are refused, and a table must pin something', () => {
  assert.match(peersError('[{ address = "gw:7460", name = "gw2", fingerprint = "x" }]'), /peers\[0\]\.fingerprint: unknown key/);
  assert.match(peersError('[{ address = "gw:7460" }]'), /peers\[0\]: a peer table pins the peer: give name, id or both/);
  assert.match(peersError('[7460]'), /peers\[0\]: must be "host:port" or a table/);
});

test('the number of static peers is bounded', () => {
  const many = JSON.stringify(Array.from({ length: MAX_STATIC_PEERS + 1 }, (_, i) => `10.0.${i >> 8}.${i & 255}:7460`));
  assert.match(peersError(many), /^\/etc\/skein\/skein\.toml: peers: /);
  assert.equal(peersOf(JSON.stringify(Array.from({ length: MAX_STATIC_PEERS }, (_, i) => `h${i}:1`))).length, MAX_STATIC_PEERS);
});
