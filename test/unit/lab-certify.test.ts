import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, generateNodeKey, nodeIdFromPublicKey, nodeIdToText, verifyNodeChain } from '../../src/identity/index.js';
import { loadCertificates, loadChain, loadTrustAnchors, saveSignerFiles } from '../../src/identity/files.js';
import { certificationOf, checkCertificationPlan, issueLabSigners, signerCertificatePath, type CertificationPlan } from '../../src/lab/certify.js';
import { initNodeDir } from '../../src/node/init.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const NOW = Date.UTC(2026, 11, 1);
const DAY_MS = 86_400_000;

function withCa(body: (dirs: { lab: string; ca: string }) => void): void {
  const lab = mkdtempSync(join(tmpdir(), 'skein-certify-'));
  try {
    const ca = join(lab, 'ca');
    mkdirSync(ca);
    const key = generateNodeKey();
    saveSignerFiles(join(ca, 'ca.key'), join(ca, 'ca.crt'), key, createCa({ key, name: 'lab', nowMs: NOW }));
    body({ lab, ca });
  } finally {
    rmSync(lab, { recursive: true, force: true });
  }
}

/** Initialise one node as the plan says and verify its chain against the lab's CA. */
function certify(dirs: { lab: string; ca: string }, node: string, plan: CertificationPlan) {
  const out = join(dirs.lab, 'nodes', node);
  initNodeDir({ ...certificationOf(node, plan, dirs, NOW), out });
  const anchors = loadTrustAnchors([join(dirs.ca, 'ca.crt')]);
  return verifyNodeChain(loadChain(join(out, 'node.crt')), anchors, NOW);
}

test('by default the CA certifies a node under its lab name at the mesh\'s time', () => {
  withCa((dirs) => {
    const v = certify(dirs, 'n1', {});
    assert.equal(v.name, 'n1');
    assert.equal(v.standing.keyIds.length, 2, 'node and CA, no intermediate');
  });
});

test('a plan puts a node below an intermediate, under another name, issued earlier', () => {
  withCa((dirs) => {
    const plan: CertificationPlan = {
      signers: { websigner: { namePatterns: ['web*'] } },
      certify: { n2: { name: 'web1', issuedAtMs: NOW - DAY_MS }, n4: { name: 'web1', signer: 'websigner' } },
    };
    issueLabSigners(dirs.lab, dirs.ca, plan, NOW);
    const old = certify(dirs, 'n2', plan);
    const fresh = certify(dirs, 'n4', plan);
    assert.equal(old.name, 'web1');
    assert.equal(fresh.name, 'web1');
    assert.equal(old.standing.keyIds.length, 2);
    assert.equal(fresh.standing.keyIds.length, 3, 'node, intermediate, CA');
    assert.equal(fresh.notBefore - old.notBefore, DAY_MS, 'the issue time sets notBefore');
    // Where `skein ca revoke` is pointed to revoke the signer: the key n4's chain stands on.
    const [signer] = loadCertificates(signerCertificatePath(dirs.lab, 'websigner'));
    assert.equal(signer?.role, 'intermediate');
    assert.equal(nodeIdToText(nodeIdFromPublicKey(signer!.publicKey)), fresh.standing.keyIds[1]);
  });
});

test('a signer\'s name patterns still bind: a node name outside them is refused', () => {
  withCa((dirs) => {
    const plan: CertificationPlan = { signers: { websigner: { namePatterns: ['web*'] } }, certify: { n3: { name: 'db1', signer: 'websigner' } } };
    issueLabSigners(dirs.lab, dirs.ca, plan, NOW);
    assert.throws(() => certify(dirs, 'n3', plan), (err: unknown) => isSkeinError(err, ErrorCodes.CERT_CONSTRAINT));
  });
});

test('a plan naming a node the lab lacks, or an undefined signer, is refused before anything is written', () => {
  const usage = (pattern: RegExp) => (err: unknown) => isSkeinError(err, ErrorCodes.USAGE) && pattern.test(err.message);
  assert.throws(() => checkCertificationPlan({ certify: { n9: {} } }, ['n1', 'n2']), usage(/no node 'n9' \(it has n1, n2\)/));
  assert.throws(() => checkCertificationPlan({ certify: { n1: { signer: 'branch' } } }, ['n1']), usage(/signer 'branch', which the plan does not define/));
  assert.throws(() => checkCertificationPlan({ signers: { 'Bad Name': {} } }, ['n1']), (err: unknown) => isSkeinError(err));
  checkCertificationPlan({ signers: { branch: {} }, certify: { n1: { signer: 'branch' } } }, ['n1']);
});
