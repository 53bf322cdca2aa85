/** The per-host summary of a run as an aligned text table: host, from → to, result, duration. */

export interface HostRow {
  host: string;
  from: string;
  to: string;
  result: string;
  durationMs: number;
}

export function hostTable(rows: readonly HostRow[]): string[] {
  const cells = [
    ['host', 'from → to', 'result', 'duration'],
    ...rows.map((r) => [r.host, `${r.from} → ${r.to}`, r.result, seconds(r.durationMs)]),
  ];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => [...row[c]!].length)));
  return cells.map((row) =>
    row
      .map((cell, c) => (c === row.length - 1 ? cell : cell + ' '.repeat(widths[c]! - [...cell].length)))
      .join('  ')
      .trimEnd(),
  );
}

function seconds(ms: number): string {
  return ms <= 0 ? '-' : `${(ms / 1000).toFixed(1)} s`;
}
