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

/** Columns of the flow table: AWS's mapping metrics (`shared/mapping-metrics.ts`), then the emulator's own. */
const columns: readonly {
  readonly title: string;
  readonly width: number;
  readonly of: (m: EventSourceMapping) => number;
}[] = [
  { title: 'polled', width: 6, of: (m) => m.stats.PolledEventCount },
  { title: 'filtered out', width: 12, of: (m) => m.stats.FilteredOutEventCount },
  { title: 'invoked', width: 7, of: (m) => m.stats.InvokedEventCount },
  { title: 'failed', width: 6, of: (m) => m.stats.FailedInvokeEventCount },
  { title: 'dropped', width: 7, of: (m) => m.stats.DroppedEventCount },
  { title: 'on-failure', width: 10, of: (m) => m.stats.OnFailureDestinationDeliveredEventCount },
  { title: 'committed', width: 9, of: (m) => m.stats.CommittedEventCount },
  { title: 'lag', width: 4, of: (m) => m.offsetLag().SumOffsetLag },
  { title: 'invocations', width: 11, of: (m) => m.stats.invocations },
  { title: 'retries', width: 7, of: (m) => m.stats.retries },
];

const errorNames = [
  'PollingErrorCount',
  'InvokeErrorCount',
  'OnFailureDestinationDeliveryErrorCount',
  'CommitErrorCount',
] as const;

/**
 * The per-flow table: each emulated mapping's record counts under AWS's metric meanings (records, retries
 * counted again in invoked and failed), its lag, its invocations; then any of AWS's mapping error counts that
 * is not zero.
 */
export const flowTable = (mappings: readonly EventSourceMapping[]): string => {
  const widths = [16, ...columns.map((c) => c.width)];
  const lines = [row(['flow', ...columns.map((c) => c.title)], widths)];
  for (const m of mappings) lines.push(row([m.config.functionName, ...columns.map((c) => c.of(m))], widths));
  lines.push(
    '  (AWS/Lambda mapping metrics, in records: PolledEventCount, FilteredOutEventCount, InvokedEventCount,',
    '   FailedInvokeEventCount, DroppedEventCount, OnFailureDestinationDeliveredEventCount, CommittedEventCount,',
    '   SumOffsetLag; then the function invocations and the retried batches)',
  );
  const errors = mappings.flatMap((m) =>
    errorNames
      .filter((name) => m.stats[name] > 0)
      .map((name) => `${m.config.functionName} ${name} ${m.stats[name]}`),
  );
  lines.push(`  mapping errors: ${errors.length > 0 ? errors.join(', ') : 'none'}`);
  return lines.join('\n');
};

export const checkTable = (checks: readonly Check[]): string =>
  checks
    .map(
      (c) =>
        `${c.actual === c.expected ? 'ok  ' : 'FAIL'}  ${c.what.padEnd(52)} ${String(c.actual).padStart(6)}${c.actual === c.expected ? '' : `  (expected ${c.expected})`}`,
    )
    .join('\n');
