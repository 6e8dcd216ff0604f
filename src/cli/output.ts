/**
 * Output helpers shared by every command: aligned tables for people, JSON for
 * scripts, and an exit signal commands throw to end with a given code.
 */
import { formatTable } from '../util/table.js';
export class CliExit extends Error {
  constructor(readonly exitCode: number, message = '') {
    super(message);
    this.name = 'CliExit';
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(headers: string[], rows: string[][]): void {
  process.stdout.write(`${formatTable(headers, rows)}\n`);
}
