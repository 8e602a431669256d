export interface Row {
  name: string;
  rate?: number;
  unit?: string;
  /** Decimals shown for rate (0 unless set: request units and prices need some). */
  digits?: number;
  p50?: number;
  p99?: number;
  /** Measured ratio against `against`, checked against `target` (a minimum unless targetIsMax). */
  ratio?: number;
  target?: number;
  targetIsMax?: boolean;
  against?: string;
  failures?: number;
}

const fmt = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '' : n.toFixed(digits);

/** A plain-text table: name, throughput, latency, ratio to the reference and whether it meets the target. */
export function formatRows(rows: Row[]): string {
  const header = [
    'measurement',
    'rate',
    'unit',
    'p50 ms',
    'p99 ms',
    'ratio',
    'target',
    'vs',
    'ok',
    'failed',
  ];
  const lines = rows.map((r) => [
    r.name,
    fmt(r.rate, r.digits ?? 0),
    r.unit ?? '',
    fmt(r.p50, 2),
    fmt(r.p99, 2),
    fmt(r.ratio, 2),
    r.target === undefined ? '' : `${r.targetIsMax ? '≤' : '≥'} ${r.target}`,
    r.against ?? '',
    r.ratio === undefined || r.target === undefined
      ? ''
      : (r.targetIsMax ? r.ratio <= r.target : r.ratio >= r.target)
        ? 'yes'
        : 'NO',
    r.failures ? String(r.failures) : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join(
    '\n',
  );
}
