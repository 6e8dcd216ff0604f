/**
 * Before an overlay starts on the line, nothing may run in the lab's
 * namespaces: no daemon of the other overlay, no relay, no leftover tool.
 * Otherwise two overlays would share the cores (and the numbers) unseen.
 */
import { readFileSync } from 'node:fs';
import type { Lab } from '../lab/lab.js';
import { execFileRunner } from '../lab/runner.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

/** The pids `ip netns pids NS` prints, one a line (pure). */
export function parsePidList(text: string): number[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => /^\d+$/.test(l)).map(Number);
}

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Throws, naming what runs where, unless every node's namespace runs no process. */
export async function assertLineQuiet(lab: Lab, before: string): Promise<void> {
  const busy: string[] = [];
  for (const node of lab.nodes) {
    const { stdout } = await execFileRunner.run({ file: 'ip', args: ['netns', 'pids', lab.namespace(node)] });
    for (const pid of parsePidList(stdout)) busy.push(`${node}: ${pid} (${commandName(pid)})`);
  }
  if (busy.length > 0) throw new SkeinError(ErrorCodes.LAB, `processes still run in the line's namespaces before ${before}: ${busy.join(', ')}`);
}
