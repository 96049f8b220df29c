import type { EventSourceMapping } from '../esm/mapping.ts';

export interface Check {
  readonly what: string;
  readonly expected: number;
  readonly actual: number;
}

const row = (cells: readonly (string | number)[], widths: readonly number[]) =>
  cells
    .map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0)))
    .join('  ');

/** The per-flow table: what each emulated mapping read, dropped before invoking, and how its invocations went. */
export const flowTable = (mappings: readonly EventSourceMapping[]): string => {
  const widths = [16, 7, 9, 11, 7, 9, 11];
  const lines = [
    row(['flow', 'read', 'filtered', 'invocations', 'retries', 'bisected', 'to on-fail'], widths),
  ];
  for (const m of mappings) {
    const s = m.stats;
    lines.push(
      row(
        [m.config.functionName, s.read, s.filtered, s.invocations, s.retries, s.splits, s.toDestination],
        widths,
      ),
    );
  }
  return lines.join('\n');
};

export const checkTable = (checks: readonly Check[]): string =>
  checks
    .map(
      (c) =>
        `${c.actual === c.expected ? 'ok  ' : 'FAIL'}  ${c.what.padEnd(52)} ${String(c.actual).padStart(6)}${c.actual === c.expected ? '' : `  (expected ${c.expected})`}`,
    )
    .join('\n');
