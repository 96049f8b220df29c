import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricName } from '../metrics.ts';
import type { BatchSummary } from './run-batch.ts';

/**
 * Counters only some flows have (lookups, lake replays, distrusted lineage): published when they counted
 * something, so a flow does not pay log bytes and custom metrics for what it cannot do (CloudWatch Logs are the
 * largest cost line per record: bench/cost). Absent means none; the record counts above are always published,
 * as alarms read them.
 */
const COUNTERS: readonly string[] = [
  MetricName.CacheHits,
  MetricName.CacheMisses,
  MetricName.LookupCalls,
  MetricName.LookupNotFound,
  MetricName.RecordsReplayed,
  MetricName.RecordsReplayUnsure,
  MetricName.LineageRejected,
  // Stateful steps: the CDK app alarms on late records.
  MetricName.LateRecords,
];

/** The batch's EMF metrics: one flush per invocation (by the middleware), plus one per-output line. */
export const emitBatchMetrics = (metrics: Metrics, summary: BatchSummary): void => {
  metrics.addMetric(MetricName.RecordsIn, MetricUnit.Count, summary.recordsIn);
  metrics.addMetric(MetricName.RecordsFiltered, MetricUnit.Count, summary.filtered);
  metrics.addMetric(MetricName.RecordsDeadLettered, MetricUnit.Count, summary.deadLettered);
  metrics.addMetric(MetricName.RecordsFailed, MetricUnit.Count, summary.failed);
  for (const name of COUNTERS) {
    const count = summary.counters[name];
    if (count) metrics.addMetric(name, MetricUnit.Count, count);
  }
  metrics.addMetric(MetricName.BatchDuration, MetricUnit.Milliseconds, summary.durationMs);
  if (summary.recordsIn > 0)
    metrics.addMetric(MetricName.RecordAge, MetricUnit.Milliseconds, summary.maxRecordAgeMs);
  for (const output in summary.out) {
    const single = singleMetricFor(metrics, output);
    // Publishing clears a single metric's dimensions: set it again each time.
    single.addDimension('output', output);
    single.addMetric(MetricName.RecordsOut, MetricUnit.Count, summary.out[output] as number);
  }
};

/**
 * One single-metric emitter per output, kept for the execution environment: `singleMetric()` builds a whole
 * Metrics object (environment parsing included) on every call, measurable per batch on the hot path.
 */
const singleMetrics = new WeakMap<Metrics, Map<string, Metrics>>();
const singleMetricFor = (metrics: Metrics, output: string): Metrics => {
  let byOutput = singleMetrics.get(metrics);
  if (byOutput === undefined) {
    byOutput = new Map();
    singleMetrics.set(metrics, byOutput);
  }
  let single = byOutput.get(output);
  if (single === undefined) {
    single = metrics.singleMetric();
    byOutput.set(output, single);
  }
  return single;
};
