/** bench/results/cost.json's shape and the README section generated from it (`npm run bench -- cost`). */
import { readmeSection } from '../../local/readme-section.ts';

export const costSection = readmeSection('cost');

export interface RateRow {
  readonly recordsPerSec: number;
  readonly dollarsPerMillion: Readonly<Record<Alternative, number>>;
  readonly dollarsPerMonth: Readonly<Record<Alternative, number>>;
}

export const ALTERNATIVES = ['sluice', 'sluiceDelivery', 'firehose', 'mskConnect', 'kafkaStreams'] as const;
export type Alternative = (typeof ALTERNATIVES)[number];

export interface CostReport {
  readonly sluiceDollarsPerMillion: number;
  readonly firehoseDollarsPerMillion: number;
  readonly mskConnectDollarsPerMillion: number;
  /** Kafka Streams on Fargate for cleanse + enrich, plus the MSK Connect sinks for delivery. */
  readonly kafkaStreamsDollarsPerMillion: number;
  readonly atRecordsPerSec: number;
  readonly target: { readonly ratio: number; readonly atMost: number; readonly met: boolean };
  readonly byRate: readonly RateRow[];
  /** Each Sluice flow at the headline rate: where the money goes. */
  readonly flows: readonly {
    readonly name: string;
    readonly dollarsPerMillion: number;
    readonly items: Readonly<Record<string, number>>;
    readonly partitions: number;
    readonly recordsPerBatch: number;
    readonly invocationsPerSec: number;
  }[];
  readonly customersTable: { readonly dollarsPerMillionChanges: number; readonly atChangesPerSec: number };
  readonly memoryWhatIf: readonly {
    readonly memoryMb: number;
    readonly sluiceDollarsPerMillion: number;
    readonly belowPeakRss: readonly string[];
  }[];
  /** The same stream with Lambda's START/END/REPORT lines the other way (kept, when the default drops them). */
  readonly platformLogsWhatIf: { readonly sluiceDollarsPerMillion: number; readonly platformLogs: boolean };
  /** cleanse-reviews and enrich-reviews at other batching windows and batch sizes (the sinks as declared). */
  readonly windowWhatIf: readonly {
    readonly windowMs: number;
    readonly batchSize: number;
    readonly sluiceDollarsPerMillion: number;
    /** The longest a record waits for its batch to close, per hop, by offered rate. */
    readonly waitMsPerHop: Readonly<Record<string, number | null>>;
  }[];
  readonly inputs: Record<string, unknown>;
  readonly prices: {
    readonly file: string;
    readonly region: string;
    readonly checked: string;
    readonly unverified: readonly string[];
  };
  readonly measuredAt: string;
}

const LABELS: Record<Alternative, string> = {
  sluice: 'Sluice (cleanse, enrich, lake, index)',
  sluiceDelivery: 'Sluice, delivery flows only (lake-sink, search-sink)',
  firehose: 'Data Firehose from MSK (S3 with Parquet, OpenSearch in VPC)',
  mskConnect: 'MSK Connect (S3 and OpenSearch sink connectors)',
  kafkaStreams: 'Kafka Streams on Fargate + the MSK Connect sinks',
};

const money = (usd: number): string => {
  if (usd >= 100) return `$${Math.round(usd).toLocaleString('en-US')}`;
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(3)}`;
  return `$${usd.toPrecision(2)}`;
};
const rate = (n: number): string => `${n.toLocaleString('en-US')}/s`;

/** cleanse-reviews and enrich-reviews by batching window and batch size: a table, the wait it adds per hop. */
const batching = (report: CostReport): string[] => {
  const sizes = [...new Set(report.windowWhatIf.map((w) => w.batchSize))];
  const windows = [...new Set(report.windowWhatIf.map((w) => w.windowMs))];
  const cell = (windowMs: number, batchSize: number) => {
    const w = report.windowWhatIf.find((x) => x.windowMs === windowMs && x.batchSize === batchSize);
    if (!w) return '';
    const wait = w.waitMsPerHop.e2eHalfCapacity;
    return `${money(w.sluiceDollarsPerMillion)}${wait === null || wait === undefined ? '' : ` (${Math.round(wait)} ms)`}`;
  };
  return [
    `cleanse-reviews and enrich-reviews at other batching (Sluice per million at ${rate(report.atRecordsPerSec)}; in brackets the longest a record waits for its batch per hop at the e2e latency run's offered rate; a window of 0 waits for nothing):`,
    '',
    `| window \\ batch size | ${sizes.join(' | ')} |`,
    `| --- | ${sizes.map(() => '---:').join(' | ')} |`,
    ...windows.map((w) => `| ${w} ms | ${sizes.map((b) => cell(w, b)).join(' | ')} |`),
  ];
};

/** The README section (markers included): a table per rate, the target, the inputs in one paragraph. */
export const renderSection = (report: CostReport): string => {
  const rates = report.byRate.map((r) => r.recordsPerSec);
  const table = [
    `| per million records (per month) | ${rates.map(rate).join(' | ')} |`,
    `| --- | ${rates.map(() => '---:').join(' | ')} |`,
    ...ALTERNATIVES.map(
      (alt) =>
        `| ${LABELS[alt]} | ${report.byRate
          .map((r) => `${money(r.dollarsPerMillion[alt])} (${money(r.dollarsPerMonth[alt])})`)
          .join(' | ')} |`,
    ),
  ];
  const flows = [
    `| flow at ${rate(report.atRecordsPerSec)} | per million | partitions | records per batch | invocations/s |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...report.flows.map(
      (f) =>
        `| \`${f.name}\` | ${money(f.dollarsPerMillion)} | ${f.partitions} | ${Math.round(f.recordsPerBatch)} | ${f.invocationsPerSec.toFixed(1)} |`,
    ),
  ];
  const memory = report.memoryWhatIf
    .map(
      (m) =>
        `${m.memoryMb} MB ${money(m.sluiceDollarsPerMillion)}${m.belowPeakRss.length ? ` (below the peak RSS of ${m.belowPeakRss.join(', ')})` : ''}`,
    )
    .join(', ');
  const t = report.target;
  return [
    costSection.begin,
    '<!-- generated from bench/results/cost.json by `npm run bench -- cost`; edit bench/cost/, not this -->',
    ...table,
    '',
    `Target (issue 12): Sluice ≤ ${t.atMost} × Firehose per million at ${rate(report.atRecordsPerSec)}: ` +
      `${money(report.sluiceDollarsPerMillion)} against ${money(report.firehoseDollarsPerMillion)}, ` +
      `${t.ratio.toFixed(3)}× — ${t.met ? 'met' : 'not met'}.`,
    '',
    ...flows,
    '',
    `Every flow at another memory size (${rate(report.atRecordsPerSec)}, per million): ${memory}.`,
    '',
    ...batching(report),
    '',
    `Lambda's own START/END/REPORT lines ${report.platformLogsWhatIf.platformLogs ? 'kept (`sluice:platformLogs=true`)' : 'dropped'}: ${money(report.platformLogsWhatIf.sluiceDollarsPerMillion)} per million at ${rate(report.atRecordsPerSec)}.`,
    `The customers-table loader is priced per change, apart: ${money(report.customersTable.dollarsPerMillionChanges)} per million changes at ${rate(report.customersTable.atChangesPerSec)}.`,
    `Prices: \`${report.prices.file}\` (${report.prices.region}, checked ${report.prices.checked}); not confirmed: ${report.prices.unverified.join(', ') || 'none'}.`,
    costSection.end,
  ].join('\n');
};
