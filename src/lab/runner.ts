/**
 * The lab's one edge to the operating system for network changes: run an
 * iproute2 command (`ip`, `tc`) with execFile — argv only, never a shell —
 * and turn its failures into typed errors with one-line messages.
 * Tests of the build/teardown logic swap in a recording double.
 */
import { execFile } from 'node:child_process';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Command } from './plan.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  /** Run the command; throws SkeinError when it cannot start or exits non-zero. */
  run(command: Command): Promise<CommandResult>;
}

/** Generous: `ip netns add` waits on mounts; a hung command must still end. */
export const COMMAND_TIMEOUT_MS = 20_000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const PERMISSION_MARKERS = ['Operation not permitted', 'Permission denied'];

export const TOOL_PACKAGES: Record<Command['file'], string> = { ip: 'iproute2', tc: 'iproute2' };

export function toolMissingError(tool: Command['file']): SkeinError {
  return new SkeinError(
    ErrorCodes.LAB_TOOL_MISSING,
    `'${tool}' was not found: the lab drives Linux networking through iproute2; install the Debian package ${TOOL_PACKAGES[tool]} (apt-get install ${TOOL_PACKAGES[tool]})`,
  );
}

export function notRootError(): SkeinError {
  return new SkeinError(
    ErrorCodes.LAB_NOT_ROOT,
    'the lab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): it creates network namespaces, veth pairs and bridges; run it with sudo',
  );
}

export function describeCommand(command: Command): string {
  return [command.file, ...command.args].join(' ');
}

export const execFileRunner: CommandRunner = {
  run(command: Command): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        command.file,
        command.args,
        { timeout: COMMAND_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (!err) return resolve({ stdout, stderr });
          reject(commandError(command, err as NodeJS.ErrnoException & { killed?: boolean }, stderr));
        },
      );
      child.stdin?.on('error', () => { /* the command exited before reading; its exit status tells */ });
      child.stdin?.end(command.input ?? '');
    });
  },
};

function commandError(command: Command, err: NodeJS.ErrnoException & { killed?: boolean }, stderr: string): SkeinError {
  if (err.code === 'ENOENT') return toolMissingError(command.file);
  const detail = firstLine(stderr) || (err.killed ? `timed out after ${COMMAND_TIMEOUT_MS} ms` : err.message);
  if (PERMISSION_MARKERS.some((m) => stderr.includes(m))) {
    const e = notRootError();
    return new SkeinError(e.code, `${e.message} (${describeCommand(command)}: ${detail})`);
  }
  return new SkeinError(ErrorCodes.LAB, `${describeCommand(command)}: ${detail}`);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}
