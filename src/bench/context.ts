/** What every bench scenario gets: its settings, progress output, a lab name, and the Ctrl-C signal. */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { BenchSettings } from './results.js';

export interface BenchContext {
  settings: BenchSettings;
  /** A progress line for the operator. */
  log: (line: string) => void;
  /** A lab name no other lab uses, for the scenario `kind` ('l' line, 'r' ring). */
  labName: (kind: string) => string;
  signal?: AbortSignal;
}

export function throwIfAborted(ctx: BenchContext): void {
  if (ctx.signal?.aborted) throw new SkeinError(ErrorCodes.LAB, 'interrupted');
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
