/**
 * The fuzz loop: replay the seed corpus, then mutate corpus inputs (and mix
 * in structure-aware generated ones), run each through the target, and keep
 * an input in the corpus when it reaches an outcome label not seen before.
 * That is feedback by outcome, not by code coverage: cheap enough to keep
 * tens of thousands of executions a second on the decoders.
 *
 * Oracles applied to every execution: the target's own (a Finding), any
 * other throw (untyped error or crash), the time bound (an execution that
 * returns after using more than `hangMs` of CPU time is a hang; one that
 * never returns is caught by the watchdog), and on a sample of executions the growth of
 * ArrayBuffer memory over the execution against ALLOCATION_BOUND.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { mutate } from './mutate.js';
import { FuzzRandom } from './random.js';
import { describe, Finding, type FindingKind, type FuzzTarget } from './target.js';
import type { Watchdog } from './watchdog.js';

/** Inputs kept in memory; past it a new one replaces a random non-seed entry. */
export const MAX_CORPUS_ENTRIES = 512;
/** Share of executions that take a generated input instead of a mutated one. */
const GENERATED_SHARE = 0.1;
const GENERATED_BATCH = 64;
/** One execution in this many is measured for ArrayBuffer growth. */
const ALLOCATION_SAMPLE_EVERY = 256;
const PROGRESS_EVERY = 4_096;
/** An execution may leave this much ArrayBuffer memory, plus ALLOCATION_PER_INPUT_BYTE per input byte. */
export const ALLOCATION_BOUND_BYTES = 8 * 1024 * 1024;
export const ALLOCATION_PER_INPUT_BYTE = 256;

export interface LoopOptions {
  runs: number;
  seconds: number;
  seed: number;
  hangMs: number;
  /** Seeds: every file in this folder. */
  corpusDir?: string;
  /** Where findings are written (none written without it). */
  findingsDir?: string;
  watchdog?: Watchdog;
  /** Called every PROGRESS_EVERY executions (the runner reports it if the process dies). */
  onProgress?: (executions: number) => void;
}

export interface FindingReport {
  kind: FindingKind;
  message: string;
  file?: string;
  inputHex: string;
}

export interface LoopResult {
  target: string;
  executions: number;
  seconds: number;
  seeds: number;
  corpus: number;
  /** Outcome label -> executions that reached it. */
  outcomes: Record<string, number>;
  /** The outcome each seed reached, in file order. */
  seedOutcomes: string[];
  findings: FindingReport[];
}

export function loadSeeds(dir: string | undefined): Uint8Array[] {
  if (dir === undefined) return [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.bin')).map((n) => new Uint8Array(readFileSync(join(dir, n))));
}

export async function fuzzLoop(target: FuzzTarget, opts: LoopOptions): Promise<LoopResult> {
  const rng = new FuzzRandom(opts.seed);
  const seeds = loadSeeds(opts.corpusDir).map((s) => s.subarray(0, target.maxInputBytes));
  const corpus: Uint8Array[] = seeds.length > 0 ? [...seeds] : [new Uint8Array(0)];
  const outcomes = new Map<string, number>();
  const findings: FindingReport[] = [];
  const seedOutcomes: string[] = [];
  let generated: Uint8Array[] = [];
  let generatorSeed = opts.seed;
  let executions = 0;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;

  const execute = async (input: Uint8Array): Promise<string | null> => {
    const measure = executions % ALLOCATION_SAMPLE_EVERY === 0;
    const before = measure ? process.memoryUsage().arrayBuffers : 0;
    const cpu0 = process.cpuUsage();
    opts.watchdog?.arm(input);
    let outcome: string;
    try {
      outcome = await target.run(input);
    } catch (err) {
      opts.watchdog?.disarm();
      executions++;
      const f = err instanceof Finding ? err : new Finding('untyped-throw', `escaped the target: ${describe(err)}`, { cause: err });
      const cause = f.cause instanceof Error && f.cause.stack ? `\n${f.cause.stack}` : '';
      report(f.kind, `${f.message}${cause}`, input);
      return null;
    }
    opts.watchdog?.disarm();
    executions++;
    const cpu = process.cpuUsage(cpu0);
    const took = (cpu.user + cpu.system) / 1000;
    if (took > opts.hangMs) {
      report('hang', `one execution used ${Math.round(took)} ms of CPU (bound ${opts.hangMs} ms)`, input);
      return null;
    }
    if (measure) {
      const grew = process.memoryUsage().arrayBuffers - before;
      const bound = ALLOCATION_BOUND_BYTES + ALLOCATION_PER_INPUT_BYTE * input.byteLength;
      if (grew > bound) {
        report('allocation', `one execution of a ${input.byteLength}-byte input left ${grew} bytes of ArrayBuffers (bound ${bound})`, input);
        return null;
      }
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    return outcome;
  };

  const report = (kind: FindingKind, message: string, input: Uint8Array): void => {
    const hex = Buffer.from(input).toString('hex');
    let file: string | undefined;
    if (opts.findingsDir !== undefined) {
      mkdirSync(opts.findingsDir, { recursive: true });
      file = join(opts.findingsDir, `${kind}-${createHash('sha1').update(input).digest('hex').slice(0, 16)}.bin`);
      writeFileSync(file, input);
    }
    findings.push({ kind, message, inputHex: hex, ...(file !== undefined ? { file } : {}) });
  };

  for (const s of seeds) {
    const o = await execute(s);
    seedOutcomes.push(o ?? 'finding');
    if (findings.length > 0) break;
  }

  while (findings.length === 0 && executions < opts.runs) {
    if ((executions & 63) === 0 && performance.now() >= deadline) break;
    if (executions % PROGRESS_EVERY === 0) opts.onProgress?.(executions);
    let input: Uint8Array;
    if (target.generator !== undefined && rng.chance(GENERATED_SHARE)) {
      if (generated.length === 0) generated = fc.sample(target.generator, { numRuns: GENERATED_BATCH, seed: generatorSeed++ });
      input = generated.pop()!.subarray(0, target.maxInputBytes);
    } else {
      input = mutate(rng.pick(corpus), rng, rng.pick(corpus), target.maxInputBytes);
    }
    const seenBefore = outcomes.size;
    const outcome = await execute(input);
    if (outcome !== null && outcomes.size > seenBefore) {
      if (corpus.length < MAX_CORPUS_ENTRIES) corpus.push(input);
      else corpus[seeds.length + rng.below(corpus.length - seeds.length)] = input;
    }
  }

  return {
    target: target.name,
    executions,
    seconds: (performance.now() - started) / 1000,
    seeds: seeds.length,
    corpus: corpus.length,
    outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
    seedOutcomes,
    findings,
  };
}
