/** The machine a bench ran on: cores, CPU model, kernel, Node version. */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';
import { cpuModel } from './proc-text.js';
import type { MachineInfo } from './results.js';

export function machineInfo(): MachineInfo {
  let model: string | undefined;
  try {
    model = cpuModel(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    model = undefined;
  }
  return { nproc: availableParallelism(), cpuModel: model ?? 'unknown', kernel: release(), node: process.version, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) };
}
