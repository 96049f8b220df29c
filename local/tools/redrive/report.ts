import type { RedriveReport } from './redrive.ts';

const REASON_WIDTH = 60;

const cut = (text: string, width: number): string => {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
};

const table = (rows: readonly (readonly string[])[]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i >= r.length - 3 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
};

/** The report people read: one row per flow, stage, error class and reason, then totals and what could not go. */
export const formatReport = (report: RedriveReport, source: string): string => {
  const verb = report.dryRun ? 'would redrive' : 'redriven';
  const rows = [...report.rows].sort((a, b) => b.redriven + b.already - (a.redriven + a.already));
  const total = (pick: (r: (typeof rows)[number]) => number) => String(rows.reduce((n, r) => n + pick(r), 0));
  const lines = [
    `${report.dryRun ? 'dry run (nothing written): ' : ''}${source}: ${report.read} record(s) read, ${report.filteredOut} left out by --flow/--where`,
  ];
  if (rows.length > 0) {
    lines.push(
      ...table([
        ['flow', 'stage', 'class', 'reason', 'to', verb, 'already redriven', 'not redrivable'],
        ...rows.map((r) => [
          r.flow,
          r.stage,
          r.errorClass,
          cut(r.reason, REASON_WIDTH),
          [...r.to].join(',') || '-',
          String(r.redriven),
          String(r.already),
          String(r.notRedrivable),
        ]),
        [
          'total',
          '',
          '',
          '',
          '',
          total((r) => r.redriven),
          total((r) => r.already),
          total((r) => r.notRedrivable),
        ],
      ]),
    );
  }
  for (const { from, why } of report.notRedrivable.slice(0, 20))
    lines.push(`not redrivable: ${from}: ${why}`);
  if (report.notRedrivable.length > 20)
    lines.push(`… and ${report.notRedrivable.length - 20} more not redrivable`);
  return lines.join('\n');
};
