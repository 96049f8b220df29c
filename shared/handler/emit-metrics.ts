import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricName } from '../metrics.ts';
import type { BatchSummary } from './run-batch.ts';

const COUNTERS: readonly string[] = [
  MetricName.CacheHits,
  MetricName.CacheMisses,
  MetricName.LookupCalls,
  MetricName.LookupNotFound,
];

/** The batch's EMF metrics: one flush per invocation (by the middleware), plus one per-output line. */
export const emitBatchMetrics = (metrics: Metrics, summary: BatchSummary): void => {
  metrics.addMetric(MetricName.RecordsIn, MetricUnit.Count, summary.recordsIn);
  metrics.addMetric(MetricName.RecordsFiltered, MetricUnit.Count, summary.filtered);
  metrics.addMetric(MetricName.RecordsDeadLettered, MetricUnit.Count, summary.deadLettered);
  metrics.addMetric(MetricName.RecordsFailed, MetricUnit.Count, summary.failed);
  for (const name of COUNTERS) metrics.addMetric(name, MetricUnit.Count, summary.counters[name] ?? 0);
  metrics.addMetric(MetricName.BatchDuration, MetricUnit.Milliseconds, summary.durationMs);
  if (summary.recordsIn > 0)
    metrics.addMetric(MetricName.RecordAge, MetricUnit.Milliseconds, summary.maxRecordAgeMs);
  for (const [output, count] of Object.entries(summary.out)) {
    const single = metrics.singleMetric();
    single.addDimension('output', output);
    single.addMetric(MetricName.RecordsOut, MetricUnit.Count, count);
  }
};
