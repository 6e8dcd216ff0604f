/** The machine a measurement ran on (cores, CPU model, kernel, Node version, load): every result file says where it came from. */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  kernel: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the measurement started: a shared machine shows here. */
  loadAverage: number[];
}

/** The `model name` line of /proc/cpuinfo. */
export function cpuModel(cpuinfo: string): string | undefined {
  return /^model name\s*:\s*(.+?)\s*$/m.exec(cpuinfo)?.[1];
}

export function machineInfo(): MachineInfo {
  let model: string | undefined;
  try {
    model = cpuModel(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    model = undefined;
  }
  return { nproc: availableParallelism(), cpuModel: model ?? 'unknown', kernel: release(), node: process.version, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) };
}
