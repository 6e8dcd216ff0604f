/**
 * What a fuzz target is, and the oracles every target shares.
 *
 * A target runs one input through a decoder or a state machine built fresh
 * for that input (so a finding replays alone) and returns an outcome label:
 * the kind of result it reached ("accepted", "drop:replay", "err:SKEIN_ERR_AUTH").
 * The loop keeps inputs that reach a label it has not seen, which is the
 * feedback that steers mutation toward new behaviour. A target signals a
 * bug by throwing a Finding; any other throw escaping `run` is a finding too
 * (an untyped error where the code promised a typed one, or a crash).
 */
import type fc from 'fast-check';
import { SkeinError } from '../../src/util/errors.js';

export type FindingKind = 'untyped-throw' | 'invariant' | 'hang' | 'allocation' | 'crash';

export class Finding extends Error {
  constructor(readonly kind: FindingKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Finding';
  }
}

export interface FuzzTarget {
  name: string;
  /** One line: what is driven, through which code. */
  description: string;
  /** Inputs longer than this are cut before a run (the wire's own bound, or a bit above it). */
  maxInputBytes: number;
  /** One execution. */
  run(input: Uint8Array): string | Promise<string>;
  /** Structure-aware inputs, mixed in with the mutated ones. */
  generator?: fc.Arbitrary<Uint8Array>;
  /** The target drives real loopback sockets: its short pass belongs with the integration tests, not the unit tests. */
  usesSockets?: boolean;
}

/** Throws a Finding unless `cond`. */
export function invariant(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Finding('invariant', message);
}

/**
 * Runs `fn`; a SkeinError (DecodeError included) is the typed refusal the
 * code promises and becomes the outcome `err:CODE`; anything else thrown is
 * an untyped-throw finding.
 */
export function typed(fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Finding) throw err;
    if (err instanceof SkeinError) return `err:${err.code}`;
    throw new Finding('untyped-throw', `threw ${describe(err)} instead of a SkeinError`, { cause: err });
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `non-Error value ${String(err)}`;
}
