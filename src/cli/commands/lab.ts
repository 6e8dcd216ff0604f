import type { Command } from 'commander';

/** lab up/status/exec/cut/heal/impair/down. (Filled in by the lab work.) */
export function registerLabCommands(_program: Command): void {}
