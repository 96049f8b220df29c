/** Turns what the benchmarks measured into the cost model's inputs: CPU per record and billed waits per batch. */
import type { Flow } from '../../shared/topology/flow.ts';
import type { PriceBook } from './prices.ts';

/** The parts of bench/results/e2e.json the cost report reads (each optional: older runs lack some). */
export interface E2eResults {
  readonly records?: number;
  readonly measuredAt?: string;
  readonly cpuSecondsByPartProcessingPath?: Readonly<Record<string, number>>;
  readonly cpuSecondsByPartDrain?: Readonly<Record<string, number>>;
  /** Per flow, µs per record by stage (helper "perf"'s breakdown); a `function` entry (billed: without the local host's plumbing) wins over `total`, which wins over the sum. */
  readonly cpuMicrosPerRecordByStage?: Readonly<Record<string, Readonly<Record<string, number>> | number>>;
  readonly peakRssMbByFlow?: Readonly<Record<string, number>>;
  /** The latency run: its offered rate is half the processing path's measured capacity. */
  readonly processingPathLatency?: { readonly inputRate?: number; readonly p99Ms?: number };
}

export interface CpuFigure {
  readonly micros: number;
  readonly source: string;
}

/**
 * A flow's CPU per record in its execution environment, from the e2e run: the per-stage breakdown when the run
 * wrote one; else the environment's CPU seconds over the records of the phase that ran it (processing path for
 * the processors, drain for the sinks, which the processing path leaves stopped).
 */
export const cpuFromE2e = (e2e: E2eResults, flow: string): CpuFigure | undefined => {
  const stages = e2e.cpuMicrosPerRecordByStage?.[flow];
  if (typeof stages === 'number') return { micros: stages, source: 'e2e.json cpuMicrosPerRecordByStage' };
  if (stages && typeof stages === 'object') {
    // `function` is what AWS bills: the environment's total without the local host's invocation plumbing.
    const billed =
      stages.function ??
      stages.total ??
      Object.values(stages).reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0);
    return { micros: billed, source: 'e2e.json cpuMicrosPerRecordByStage' };
  }
  const records = e2e.records;
  if (!records) return undefined;
  for (const [phase, table] of [
    ['processing path', e2e.cpuSecondsByPartProcessingPath],
    ['drain', e2e.cpuSecondsByPartDrain],
  ] as const) {
    const seconds = table?.[`function:${flow}`];
    if (seconds !== undefined && seconds > 0)
      return { micros: (seconds * 1e6) / records, source: `e2e.json cpuSecondsByPart (${phase}) / records` };
  }
  return undefined;
};

export interface BatchCalls {
  /** BatchGetItem calls per batch (enrich steps run one after the other). */
  readonly lookupCalls: number;
  /** DynamoDB write requests per batch of a table output. */
  readonly tableWrites: number;
  /** The table output's parallel requests. */
  readonly tableConcurrency: number;
}

/**
 * Billed time per batch spent waiting on the network: lookups first, then the outputs, which run in parallel
 * (the slowest counts). Dead-letter sends are rare and left out.
 */
export const ioWaitMsPerBatch = (flow: Flow, calls: BatchCalls, book: PriceBook): number => {
  const a = book.assume;
  const outputs = flow.outputs.map((o) => {
    switch (o.kind) {
      case 'topic':
        return a.topicSendMs;
      case 's3':
        // Read the replay marks, put the object, put the marks.
        return 3 * a.s3RequestMs;
      case 'opensearch':
        return a.openSearchBulkMs;
      case 'table':
        return Math.ceil(calls.tableWrites / Math.max(1, calls.tableConcurrency)) * a.dynamodbCallMs;
      default:
        return 0;
    }
  });
  return calls.lookupCalls * a.dynamodbCallMs + Math.max(0, ...outputs);
};

/** S3 requests per batch of a flow's lake outputs: the object and the replay marks put, the marks read. */
export const s3RequestsPerBatch = (flow: Flow): { puts: number; gets: number } => {
  const lakes = flow.outputs.filter((o) => o.kind === 's3').length;
  return { puts: 2 * lakes, gets: lakes };
};
