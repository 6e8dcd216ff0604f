/**
 * `skein cert show` and `skein cert verify`: inspect any identity file, and
 * check a node's certificate against trusted CA certificates and revocation
 * lists exactly as a peer would during a handshake.
 */
import type { Command } from 'commander';
import {
  MAX_CHAIN_CERTS,
  ObjectType,
  clusterIdToText,
  encodeChainOfEncoded,
  formatTime,
  verifyNodeChain,
} from '../../identity/index.js';
import { aboutFile, loadEncodedCertificates, loadNodeKey, loadTrustAnchors, readArmorFile } from '../../identity/files.js';
import { ErrorCodes, SkeinError, isSkeinError } from '../../util/errors.js';
import { CliExit, printJson } from '../output.js';
import { type Described, describeBlock, renderDescribed } from './identity-describe.js';
import { collect, parseTime } from './identity-options.js';

const EXIT_INVALID = 1;

function certShow(file: string, opts: { json?: boolean }): void {
  const blocks = readArmorFile(file);
  // A private key file is checked like any key load (permissions), though only its public part is shown.
  if (blocks.some((b) => b.type === ObjectType.PRIVATE_KEY)) loadNodeKey(file);
  const described = aboutFile(file, () => blocks.map(describeBlock));
  const result: Described = described.length === 1 ? (described[0] as Described) : { kind: 'file', objects: described };
  if (opts.json) {
    printJson(result);
    return;
  }
  process.stdout.write(`${described.map((d) => renderDescribed(d)).join('\n\n')}\n`);
}

interface VerifyOptions { ca: string[]; crl?: string[]; at?: number; json?: boolean }

/** The certificate file as wire chain bytes; a file that is not a certificate at all is a malformed certificate. */
function loadPresentedChain(file: string): Uint8Array {
  try {
    return aboutFile(file, () => encodeChainOfEncoded(loadEncodedCertificates(file, MAX_CHAIN_CERTS)));
  } catch (err) {
    if (isSkeinError(err, ErrorCodes.FILE_FORMAT)) throw new SkeinError(ErrorCodes.CERT_MALFORMED, err.message);
    throw err;
  }
}

function certVerify(file: string, opts: VerifyOptions): void {
  const trust = loadTrustAnchors(opts.ca, opts.crl ?? []);
  const nowMs = opts.at ?? Date.now();
  try {
    const v = verifyNodeChain(loadPresentedChain(file), trust, nowMs);
    const cluster = `${trust.cas[0]?.name ?? ''} (${clusterIdToText(v.clusterId)})`;
    if (opts.json) {
      printJson({ valid: true, file, name: v.name, nodeId: v.idText, groups: v.groups, cluster: clusterIdToText(v.clusterId), notAfter: formatTime(v.notAfter / 1000) });
      return;
    }
    const groups = v.groups.length > 0 ? ` groups ${v.groups.join(',')}` : '';
    process.stdout.write(`valid: ${file}: node '${v.name}' id ${v.idText}${groups} cluster ${cluster} until ${formatTime(v.notAfter / 1000)}\n`);
  } catch (err) {
    if (!isSkeinError(err) || !err.code.startsWith('SKEIN_ERR_CERT_')) throw err;
    const message = err.message.startsWith(file) ? err.message : `${file}: ${err.message}`;
    if (opts.json) printJson({ valid: false, file, code: err.code, message });
    else process.stdout.write(`${err.code}: ${message}\n`);
    throw new CliExit(EXIT_INVALID);
  }
}

export function registerCertCommands(program: Command): void {
  const cert = program.command('cert').description('inspect and verify certificates, revocation lists and keys');
  cert.command('show')
    .description('show a certificate, CA certificate, certificate chain, revocation list or key file')
    .argument('<file>')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: { json?: boolean }) => certShow(file, opts));
  cert.command('verify')
    .description("verify a node's certificate as a peer would; prints a line starting 'valid' (exit 0) or the error code and why (exit 1)")
    .argument('<cert>', 'node certificate file (with its intermediate certificate, if any)')
    .requiredOption('--ca <file>', 'trusted CA certificate (repeat for several, e.g. during a rotation)', collect)
    .option('--crl <file>', 'revocation list (repeatable)', collect)
    .option('--at <time>', 'verify as of this time instead of now (ISO 8601 or epoch seconds)', parseTime)
    .option('--json', 'machine-readable output')
    .action((file: string, opts: VerifyOptions) => certVerify(file, opts));
}
