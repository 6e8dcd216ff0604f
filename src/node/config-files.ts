/**
 * Files a root daemon reads must not be writable by every user: whoever can
 * change the config, a trusted CA certificate or a revocation list decides
 * whom the node trusts (and the key is refused already when group or others
 * can read it, util/files.ts readSecretFile). Checked at start, on reload
 * and by `skein config check`.
 */
import { statSync } from 'node:fs';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { NodeConfig } from './config.js';

const WORLD_WRITABLE = 0o002;

/** The files the config names (and itself), each once. */
function filesOf(config: NodeConfig): string[] {
  return [...new Set([config.file, config.key, config.certificate, ...config.ca, ...config.revocations])];
}

/** One line per file every user may write, with the fix. */
export function worldWritableProblems(config: NodeConfig): string[] {
  const problems: string[] = [];
  for (const file of filesOf(config)) {
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch {
      continue; // a missing file is reported by whoever reads it, with its own reason
    }
    if ((mode & WORLD_WRITABLE) !== 0) {
      const perms = (mode & 0o777).toString(8).padStart(4, '0');
      problems.push(`${file}: permissions ${perms}: every user may write it, so any user could change what this root daemon trusts (fix with: chmod o-w ${file})`);
    }
  }
  return problems;
}

export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Refuse to run as root with a file every user may write. */
export function refuseWorldWritable(config: NodeConfig, asRoot = runsAsRoot()): void {
  if (!asRoot) return;
  const problems = worldWritableProblems(config);
  if (problems.length > 0) throw new SkeinError(ErrorCodes.FILE_PERMISSIONS, problems.join('; '));
}
