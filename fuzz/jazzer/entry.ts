/**
 * A fuzz target as a libFuzzer-style entry point for Jazzer.js (see
 * docs/fuzzing.md, "Coverage-guided"): bundled to CommonJS so Jazzer's
 * instrumentation sees Skein's code. The target is chosen by
 * SKEIN_FUZZ_TARGET; typed refusals return, findings throw.
 */
import { targetNamed } from '../targets/index.js';

const name = process.env.SKEIN_FUZZ_TARGET ?? 'wire-decoders';
const target = targetNamed(name);
if (target === undefined) throw new Error(`SKEIN_FUZZ_TARGET: unknown target '${name}'`);

export function fuzz(data: Buffer): unknown {
  return target!.run(new Uint8Array(data.buffer, data.byteOffset, Math.min(data.byteLength, target!.maxInputBytes)));
}
