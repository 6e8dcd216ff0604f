/**
 * Aligned plain-text tables, for every report a person reads: the CLI's
 * commands, the lab demo, the simulator's and the benchmark's summaries.
 */

/** Render rows as an aligned table with an upper-case header line. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n');
}
