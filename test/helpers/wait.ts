/**
 * Waiting for a condition in real-network tests: always with a deadline,
 * and the failure says what was awaited and what the last attempt saw.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Between attempts; default 50 ms. */
  intervalMs?: number;
  /** What is awaited, for the error message: "n2 to hear n1". */
  what: string;
}

const DEFAULT_INTERVAL_MS = 50;

/**
 * Call `check` until it returns something other than undefined/false (which
 * is returned), or the deadline passes (which throws). A throwing check counts
 * as "not yet" and its message is reported if time runs out.
 */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  const started = Date.now();
  let last = 'no attempt finished';
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = `attempt ${attempt} returned ${String(value)}`;
    } catch (err) {
      last = `attempt ${attempt} threw: ${(err as Error).message}`;
    }
    if (Date.now() - started >= opts.timeoutMs) {
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what} (${last})`);
    }
    await sleep(opts.intervalMs ?? DEFAULT_INTERVAL_MS);
  }
}
