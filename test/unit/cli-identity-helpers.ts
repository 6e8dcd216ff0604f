/** Runs the real `skein` CLI (TypeScript sources via tsx) in a temporary directory. Not a test file itself. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');
/** One CLI run never takes this long; a hang fails the test instead of the suite. */
const RUN_TIMEOUT_MS = 60_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function skeinIn(cwd: string) {
  return (...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(process.execPath, ['--import', TSX_LOADER, RUN, ...args], { cwd, timeout: RUN_TIMEOUT_MS }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      });
    });
}

export function withTempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'skein-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An error is one line, and has no stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trimEnd().split('\n');
  return lines.length === 1 && !/\n\s+at /.test(stderr);
}
