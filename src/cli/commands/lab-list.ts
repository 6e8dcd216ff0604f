/**
 * `skein lab list`: every lab on this machine, from its state file and its
 * namespaces (so a crashed lab shows up too, as leftovers).
 */
import type { Command } from 'commander';
import { existingLabNames, execFileRunner, labContext, labNamespaces, LabPaths } from '../../lab/index.js';
import { checkPrivileges, checkTools } from '../../lab/preflight.js';
import { readLabState } from '../../lab/state.js';
import { printJson, printTable } from '../output.js';

interface LabListEntry {
  name: string;
  topology?: string;
  nodes?: number;
  namespaces: number;
  state: 'up' | 'building' | 'leftovers';
  dir: string;
}

async function list(opts: { json?: boolean }): Promise<void> {
  const ctx = labContext();
  checkPrivileges();
  await checkTools(execFileRunner, ['ip']);
  const entries: LabListEntry[] = [];
  for (const name of await existingLabNames(ctx.root, ctx.runner)) {
    const paths = new LabPaths(ctx.root, name);
    let state;
    try {
      state = readLabState(paths);
    } catch {
      state = undefined; // an unreadable state file: listed as leftovers, `down` still removes it
    }
    const namespaces = (await labNamespaces(ctx.runner, name)).length;
    const entry: LabListEntry = { name, namespaces, state: !state ? 'leftovers' : state.complete ? 'up' : 'building', dir: paths.dir };
    if (state) Object.assign(entry, { topology: state.topology, nodes: state.nodes });
    entries.push(entry);
  }
  if (opts.json) return printJson(entries);
  if (entries.length === 0) {
    process.stdout.write('no labs\n');
    return;
  }
  printTable(['lab', 'state', 'topology', 'nodes', 'namespaces', 'directory'], entries.map((e) => [e.name, e.state, e.topology ?? '-', e.nodes === undefined ? '-' : String(e.nodes), String(e.namespaces), e.dir]));
}

export function registerLabListCommand(lab: Command): void {
  lab.command('list')
    .description('every lab on this machine (including leftovers of a crashed one)')
    .option('--json', 'print as JSON')
    .action(list);
}
