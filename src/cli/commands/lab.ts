/**
 * `skein lab`: build a real multi-node network in network namespaces, and
 * inspect, cut, heal, impair and remove it. The library is src/lab; this
 * file parses options, runs `up` under the exit guard (a signal, a closed
 * pipe or a crash during `up` leaves nothing behind), and prints.
 */
import type { Command } from 'commander';
import {
  createLab,
  DEFAULT_LAB_NAME,
  destroyAllLabs,
  destroyLab,
  execFileRunner,
  isTopologyKind,
  labContext,
  MAX_LAB_NODES,
  openLab,
  parseDelay,
  parseLoss,
  parseRate,
  resolveLabName,
  TOPOLOGY_KINDS,
  describeImpairment,
  type Impairment,
  type TeardownReport,
  meshEnv,
  startMesh,
} from '../../lab/index.js';
import { destroyLabBuiltBy } from '../../lab/ownership.js';
import { checkPrivileges, checkTools } from '../../lab/preflight.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';
import { exitGuard } from '../exit-guard.js';
import { CliExit, printJson } from '../output.js';
import { count, formatLabStatus } from './lab-format.js';
import { registerLabListCommand } from './lab-list.js';

/** The exit guard decides the status of an interrupted `up` (128 + the signal); this is the fallback. */
const EXIT_INTERRUPTED = 130;
/** Recorded in the state of labs `lab up` builds (see LabState.owner). */
const LAB_UP_OWNER = 'lab';
const DEFAULT_NODES = 4;
const DEFAULT_TOPOLOGY = 'line';

interface NameOpt {
  name?: string;
}

function parseWhole(text: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new SkeinError(ErrorCodes.USAGE, `invalid ${what} '${text}': use a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

/** `--groups n1=web --groups n4=db,admin` → { n1: ['web'], n4: ['db', 'admin'] } (names are checked when certificates are made). */
export function parseNodeGroups(specs: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const spec of specs) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(spec);
    if (!m) throw new SkeinError(ErrorCodes.USAGE, `invalid --groups '${spec}': use NODE=GROUP[,GROUP...], e.g. --groups n4=db,admin`);
    out[m[1]!] = [...(out[m[1]!] ?? []), ...m[2]!.split(',').filter(Boolean)];
  }
  return out;
}

async function up(opts: NameOpt & { nodes: string; topology: string; seed?: string; json?: boolean; start?: boolean; groups: string[] }): Promise<void> {
  if (!isTopologyKind(opts.topology)) throw new SkeinError(ErrorCodes.USAGE, `unknown topology '${opts.topology}' (known: ${TOPOLOGY_KINDS.join(', ')})`);
  const nodes = parseWhole(opts.nodes, 'node count', 1, MAX_LAB_NODES);
  const groups = parseNodeGroups(opts.groups);
  if (Object.keys(groups).length > 0 && !opts.start) throw new SkeinError(ErrorCodes.USAGE, '--groups goes into the nodes\' certificates: it needs --start');
  const seed = opts.seed === undefined ? undefined : parseWhole(opts.seed, 'seed', 0, 0xffff_ffff);
  const name = opts.name ?? DEFAULT_LAB_NAME;
  const ctx = labContext();
  const started = performance.now();
  const onStep = (_step: string, index: number, total: number) => {
    if (index === 0) process.stderr.write(`building lab '${name}': ${nodes} nodes, ${opts.topology} topology, ${total} steps…\n`);
  };
  const spec = { name, topology: opts.topology, nodes, ...(seed !== undefined ? { seed } : {}) };
  // Until it is built (and its daemons answer), the lab is torn down on every way out; then it is the result.
  const guarded = { label: `lab '${name}'`, leftoverHint: `skein lab down --name ${name}`, keepOnSuccess: true, teardown: () => destroyLabBuiltBy(name, process.pid, ctx) };
  const lab = await exitGuard().run(guarded, async (signal) => {
    try {
      const built = await createLab(spec, { signal, onStep, owner: LAB_UP_OWNER });
      if (opts.start) {
        process.stderr.write(`starting a skein node in each of ${nodes} namespaces (fresh CA in ${built.dir}/ca)…\n`);
        await startMesh(built, { certify: Object.fromEntries(Object.entries(groups).map(([node, g]) => [node, { groups: g }])) }, signal);
      }
      return built;
    } catch (err) {
      if (signal.aborted) throw new CliExit(EXIT_INTERRUPTED, `skein: ${(err as Error).message}`);
      throw err;
    }
  });
  const status = await lab.status();
  if (opts.json) return printJson(status);
  const hint = opts.start ? 'skein neighbors' : 'ip -br addr';
  process.stdout.write(`${formatLabStatus(status)}\n\nbuilt in ${((performance.now() - started) / 1000).toFixed(1)} s; run a command in a node with: skein lab exec --name ${name} n1 -- ${hint}\n`);
}

async function status(opts: NameOpt & { json?: boolean }): Promise<void> {
  const lab = await openLab(opts.name);
  const s = await lab.status();
  if (opts.json) printJson(s);
  else process.stdout.write(`${formatLabStatus(s)}\n`);
}

/**
 * The command to run, and exec's own options written after the node: with
 * passThroughOptions (so `exec n1 ip -br link` needs no `--`) commander
 * stops parsing at the node, and `exec n1 --name LAB -- cmd` hands over
 * `--name LAB -- cmd`. Words before a `--` that start the list as options
 * are exec's (only --name); the command is what follows the `--`.
 */
export function execArguments(words: readonly string[], name: string | undefined): { name: string | undefined; argv: string[] } {
  const sep = words.indexOf('--');
  if (sep === -1 || !(words[0] ?? '').startsWith('-')) return { name, argv: [...words] };
  let labName = name;
  const before = words.slice(0, sep);
  for (let i = 0; i < before.length; i++) {
    const w = before[i] as string;
    if (w === '--name' && i + 1 < before.length) labName = before[++i];
    else if (w.startsWith('--name=')) labName = w.slice('--name='.length);
    else throw new SkeinError(ErrorCodes.USAGE, `lab exec: '${w}' is not an option of lab exec (only --name LAB); the command goes after --`);
  }
  return { name: labName, argv: words.slice(sep + 1) };
}

async function execIn(node: string, command: string[], opts: NameOpt): Promise<void> {
  const { name, argv } = execArguments(command, opts.name);
  if (argv.length === 0) throw new SkeinError(ErrorCodes.USAGE, 'lab exec: no command given after --');
  const lab = await openLab(name);
  // The terminal's Ctrl-C reaches the program directly; this process waits for its exit status.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  try {
    const result = await lab.exec(node, argv, { stdio: 'inherit', env: meshEnv(lab, node) });
    if (result.code !== 0) throw new CliExit(result.code);
  } finally {
    process.off('SIGINT', ignore);
  }
}

/** A link as --json prints it: both ends, node and interface. */
function linkJson(lab: string, link: { a: { node: string; ifname: string }; b: { node: string; ifname: string } }): Record<string, unknown> {
  return { lab, a: { node: link.a.node, interface: link.a.ifname }, b: { node: link.b.node, interface: link.b.ifname } };
}

async function changeLink(action: 'cut' | 'heal', a: string, b: string, opts: NameOpt & { json?: boolean }): Promise<void> {
  const lab = await openLab(opts.name);
  const link = action === 'cut' ? await lab.cut(a, b) : await lab.heal(a, b);
  if (opts.json) return printJson({ ...linkJson(lab.name, link), up: action === 'heal' });
  process.stdout.write(`${action === 'cut' ? 'cut' : 'healed'} ${link.a.node} — ${link.b.node} (${link.a.ifname} ↔ ${link.b.ifname}) in lab '${lab.name}'\n`);
}

async function impair(a: string, b: string, opts: NameOpt & { delay?: string; loss?: string; rate?: string; clear?: boolean; json?: boolean }): Promise<void> {
  const imp: Impairment = {};
  if (opts.delay !== undefined) imp.delayMs = parseDelay(opts.delay);
  if (opts.loss !== undefined) imp.lossPercent = parseLoss(opts.loss);
  if (opts.rate !== undefined) imp.rateBitsPerSecond = parseRate(opts.rate);
  const any = Object.keys(imp).length > 0;
  if (opts.clear && any) throw new SkeinError(ErrorCodes.USAGE, '--clear removes the impairment: give it alone, without --delay/--loss/--rate');
  const lab = await openLab(opts.name);
  if (opts.clear) {
    const link = await lab.clearImpairment(a, b);
    if (opts.json) return printJson({ ...linkJson(lab.name, link), impairment: null });
    process.stdout.write(`cleared impairment on ${link.a.node} — ${link.b.node} in lab '${lab.name}'\n`);
    return;
  }
  const link = await lab.impair(a, b, imp);
  if (opts.json) return printJson({ ...linkJson(lab.name, link), impairment: imp });
  process.stdout.write(`impaired ${link.a.node} — ${link.b.node} in lab '${lab.name}' (both directions): ${describeImpairment(imp)}\n`);
}

function describeTeardown(r: TeardownReport): string {
  if (r.namespaces.length === 0 && !r.removedDir) return `no lab named '${r.name}': nothing to remove`;
  const stopped = r.processesStopped > 0 ? `, stopped ${count(r.processesStopped, 'process', 'processes')}` : '';
  return `removed lab '${r.name}': ${count(r.namespaces.length, 'namespace')}${stopped}`;
}

async function down(opts: NameOpt & { all?: boolean; json?: boolean }): Promise<void> {
  if (opts.all && opts.name !== undefined) throw new SkeinError(ErrorCodes.USAGE, 'give either --name or --all, not both');
  const ctx = labContext();
  checkPrivileges();
  await checkTools(execFileRunner, ['ip']);
  if (opts.all) {
    const reports = await destroyAllLabs(ctx);
    if (opts.json) return printJson(reports);
    process.stdout.write(reports.length === 0 ? 'no labs: nothing to remove\n' : `${reports.map(describeTeardown).join('\n')}\n`);
    return;
  }
  let name: string;
  try {
    name = await resolveLabName(opts.name, ctx);
  } catch (err) {
    if (err instanceof SkeinError && err.code === ErrorCodes.LAB_NOT_FOUND) {
      if (opts.json) return printJson([]);
      process.stdout.write('no lab exists: nothing to remove\n');
      return;
    }
    throw err;
  }
  const report = await destroyLab(name, ctx);
  if (opts.json) return printJson([report]);
  process.stdout.write(`${describeTeardown(report)}\n`);
}

const NAME_HELP = `lab name (default: the only lab that exists; for up: '${DEFAULT_LAB_NAME}')`;

export function registerLabCommands(program: Command): void {
  const lab = program.command('lab')
    .description('a real multi-node network on this machine, in network namespaces (needs root)')
    .enablePositionalOptions();

  lab.command('up')
    .description('build a lab: one namespace per node n1…nN, IPv6 link-local veth links (or one bridge)')
    .option('--nodes <n>', `number of nodes (2 to ${MAX_LAB_NODES})`, String(DEFAULT_NODES))
    .option('--topology <kind>', `${TOPOLOGY_KINDS.join(' | ')}`, DEFAULT_TOPOLOGY)
    .option('--seed <n>', 'seed for the random topology (default: a random one, printed)')
    .option('--name <lab>', NAME_HELP)
    .option('--json', 'print the lab as JSON')
    .option('--start', 'also make a fresh CA and start a skein node in every namespace (logs in the lab directory)')
    .option('--groups <node=list>', 'with --start: groups in a node\'s certificate (repeatable), e.g. --groups n1=web --groups n4=db,admin', (v: string, all: string[]) => [...all, v], [] as string[])
    .action(up);

  lab.command('status')
    .description('nodes, interfaces, link-local addresses, link states and impairments, read live')
    .option('--name <lab>', NAME_HELP)
    .option('--json', 'print as JSON')
    .action(status);

  lab.command('exec')
    .description('run a command inside a node, exit code passed through: skein lab exec [--name LAB] n1 -- CMD ARGS…')
    .argument('<node>', 'node name (n1…nN; sw for the switch of a bridge lab)')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--name <lab>', NAME_HELP)
    .passThroughOptions()
    .action(execIn);

  for (const action of ['cut', 'heal'] as const) {
    lab.command(action)
      .description(action === 'cut' ? 'take the link between two nodes down (both ends)' : 'bring the link between two nodes back up')
      .argument('<a>', 'node')
      .argument('<b>', 'node (sw for the switch of a bridge lab)')
      .option('--name <lab>', NAME_HELP)
      .option('--json', 'machine-readable ({lab, a, b, up})')
      .action((a: string, b: string, opts: NameOpt & { json?: boolean }) => changeLink(action, a, b, opts));
  }

  lab.command('impair')
    .description('delay, drop or rate-limit a link in both directions (tc netem / tbf)')
    .argument('<a>', 'node')
    .argument('<b>', 'node')
    .option('--delay <time>', 'added delay, e.g. 20ms')
    .option('--loss <percent>', 'random loss, e.g. 1%')
    .option('--rate <rate>', 'bandwidth limit, e.g. 10mbit')
    .option('--clear', 'remove the impairment')
    .option('--name <lab>', NAME_HELP)
    .option('--json', 'machine-readable ({lab, a, b, impairment})')
    .action(impair);

  lab.command('down')
    .description('remove a lab completely, even after a crash (finds its namespaces by name)')
    .option('--name <lab>', NAME_HELP)
    .option('--all', 'remove every lab')
    .option('--json', 'machine-readable (array of {name, namespaces, processesStopped, removedDir})')
    .action(down);

  registerLabListCommand(lab);
}
