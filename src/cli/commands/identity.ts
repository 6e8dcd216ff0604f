/**
 * Identity commands: keygen, ca init/intermediate/sign/revoke, cert
 * show/verify. The library they drive is src/identity (pure) plus
 * src/identity/files.ts (atomic, permission-checked files).
 */
import type { Command } from 'commander';
import { generateNodeKey } from '../../identity/index.js';
import { saveKeyPair } from '../../identity/files.js';
import { registerCaCommands } from './identity-ca.js';
import { registerCertCommands } from './identity-cert.js';
import { printJson } from '../output.js';

function keygen(opts: { out: string; force?: boolean; json?: boolean }): void {
  const key = generateNodeKey();
  const { privatePath, publicPath } = saveKeyPair(opts.out, key, opts);
  if (opts.json) return printJson({ id: key.idText, privateKey: privatePath, publicKey: publicPath });
  process.stdout.write(`node id ${key.idText}\n`);
  process.stdout.write(`wrote ${privatePath} (private, mode 0600) and ${publicPath} (give this one to the CA)\n`);
}

export function registerIdentityCommands(program: Command): void {
  program.command('keygen')
    .description('create a node key: FILE (private, 0600) and FILE.pub; prints the node id')
    .requiredOption('--out <file>', 'private key file to write')
    .option('--force', 'overwrite existing files')
    .option('--json', 'machine-readable ({id, privateKey, publicKey})')
    .action((opts: { out: string; force?: boolean; json?: boolean }) => keygen(opts));
  registerCaCommands(program);
  registerCertCommands(program);
}
