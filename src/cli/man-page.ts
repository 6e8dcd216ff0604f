/**
 * skein(1), generated from the command tree (cli-tree.ts): every command
 * with its arguments and options, then the conventions every command shares
 * (--json, errors, exit status). `node --import tsx scripts/gen-man.ts`
 * writes man/skein.1; a unit test checks the checked-in page against a
 * fresh generation, so the page cannot go stale. No date in it: the same
 * tree always gives the same page.
 */
import { allCommands, argumentText, type CliCommand } from './cli-tree.js';

/** Text safe in roff: backslashes, hyphens, and a leading dot or quote. */
function roff(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

function synopsis(c: CliCommand): string {
  const mandatory = c.options.filter((o) => o.mandatory).map((o) => `\\fB${roff(o.flags)}\\fR`);
  const args = c.arguments.map((a) => `\\fI${roff(argumentText(a))}\\fR`);
  const rest = c.options.some((o) => !o.mandatory) ? ['[\\fIoptions\\fR]'] : [];
  return [`\\fB${roff(c.path)}\\fR`, ...(c.subcommands.length > 0 ? ['\\fIcommand\\fR'] : []), ...mandatory, ...rest, ...args].join(' ');
}

function commandSection(c: CliCommand): string[] {
  const lines = [`.SS ${synopsis(c)}`];
  if (c.aliases.length > 0) lines.push(`(also: ${c.aliases.map((a) => `\\fB${roff(a)}\\fR`).join(', ')})`, '.br');
  lines.push(roff(c.description));
  for (const a of c.arguments.filter((x) => x.description)) lines.push('.TP', `\\fI${roff(argumentText(a))}\\fR`, roff(a.description));
  for (const o of c.options) {
    const dflt = o.defaultText === undefined ? '' : ` (default: ${o.defaultText})`;
    lines.push('.TP', `\\fB${roff(o.flags)}\\fR`, roff(`${o.description}${dflt}`));
  }
  return lines;
}

const SHARED = `.SH JSON OUTPUT AND ERRORS
Every command that reports something takes \\fB\\-\\-json\\fR and then prints one JSON document on standard output.
With \\fB\\-\\-json\\fR, an error is a JSON document on standard output too, and nothing is written to standard error:
.PP
.RS
{"error": {"code": "SKEIN_ERR_...", "message": "..."}}
.RE
.PP
The exit status is the same as without \\fB\\-\\-json\\fR. \\fBcode\\fR is stable (SKEIN_ERR_USAGE for a bad command line, SKEIN_ERR_CONFIG, SKEIN_ERR_FILE_NOT_FOUND, ...); \\fBmessage\\fR names the file, key or peer and the reason.
.SH EXIT STATUS
.TP
.B 0
success (also \\fB\\-\\-help\\fR and \\fB\\-\\-version\\fR)
.TP
.B 1
the command failed; one line on standard error names the file, key, peer or command and the reason
.TP
.B 2
usage: a bad option value or an unknown command
.TP
.B 70
internal error
.TP
.B 128+n
ended by signal n (130 SIGINT, 143 SIGTERM)
.TP
.B 141
the reader of the output went away (closed pipe)
.SH ENVIRONMENT
.TP
.B SKEIN_CONFIG
the node's config file, when \\fB\\-\\-config\\fR is not given (default: ./skein.toml)
.SH SEE ALSO
docs/cli.md, docs/static\\-peers.md, docs/trust.md, docs/firewall.md in the Skein source tree.
`;

export function manPage(root: CliCommand, version: string): string {
  const commands = allCommands(root).slice(1);
  const lines = [
    '.\\" Generated from the command definitions by scripts/gen-man.ts: do not edit.',
    `.TH SKEIN 1 "" "skein ${roff(version)}" "Skein manual"`,
    '.SH NAME',
    `skein \\- ${roff(root.description)}`,
    '.SH SYNOPSIS',
    `\\fBskein\\fR [\\fB\\-\\-debug\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]`,
    '.SH DESCRIPTION',
    'Skein links Linux machines into one encrypted IPv6 mesh. Each node is authenticated by a certificate from the cluster CA;',
    'nodes find each other on shared links by multicast and beyond them through configured static peers.',
    '\\fBskein up\\fR runs a node; the other commands create keys and certificates, inspect a running node through its admin socket, or build test labs.',
    '.SH GLOBAL OPTIONS',
    ...root.options.flatMap((o) => ['.TP', `\\fB${roff(o.flags)}\\fR`, roff(o.description)]),
    '.SH COMMANDS',
    ...commands.flatMap(commandSection),
    SHARED,
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
