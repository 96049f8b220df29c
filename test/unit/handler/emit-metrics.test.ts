import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emitBatchMetrics } from '../../../shared/handler/emit-metrics.ts';
import type { BatchSummary } from '../../../shared/handler/run-batch.ts';
import { MetricName } from '../../../shared/metrics.ts';

const summary = (out: Record<string, number>): BatchSummary => ({
  flow: 'enrich-reviews',
  topic: 'reviews.clean',
  partitions: [],
  recordsIn: 3,
  filtered: 0,
  deadLettered: 0,
  deadLettersByStage: {},
  out,
  failed: 0,
  counters: {},
  durationMs: 5,
  maxRecordAgeMs: 10,
});

/** EMF documents written to stdout while `act` runs. */
const emfLines = (act: () => void): Record<string, unknown>[] => {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    act();
  } finally {
    write.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l));
};

afterEach(() => vi.restoreAllMocks());

describe('batch metrics', () => {
  it('publishes records out per output under its own `output` dimension, batch after batch', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new Metrics({
      namespace: 'Sluice',
      serviceName: 'enrich-reviews',
      defaultDimensions: { flow: 'enrich-reviews' },
    });
    // Act
    const first = emfLines(() =>
      emitBatchMetrics(metrics, summary({ 'topic:reviews.enriched': 2, 'topic:reviews.alerts': 1 })),
    );
    const second = emfLines(() =>
      emitBatchMetrics(metrics, summary({ 'topic:reviews.enriched': 7, 'topic:reviews.alerts': 0 })),
    );
    // Assess
    const outs = (lines: Record<string, unknown>[]) =>
      lines
        .filter((l) => MetricName.RecordsOut in l)
        .map((l) => [l.output, l[MetricName.RecordsOut], l.flow]);
    expect(outs(first)).toEqual([
      ['topic:reviews.enriched', 2, 'enrich-reviews'],
      ['topic:reviews.alerts', 1, 'enrich-reviews'],
    ]);
    expect(outs(second)).toEqual([
      ['topic:reviews.enriched', 7, 'enrich-reviews'],
      ['topic:reviews.alerts', 0, 'enrich-reviews'],
    ]);
    for (const line of [...first, ...second].filter((l) => MetricName.RecordsOut in l)) {
      const [directive] = (line._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] })
        .CloudWatchMetrics;
      expect(directive?.Dimensions[0]).toEqual(expect.arrayContaining(['flow', 'output']));
    }
    vi.unstubAllEnvs();
  });

  it('publishes the record counts always and the lookup, replay and lineage counters only when they counted', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new Metrics({ namespace: 'Sluice', serviceName: 'cleanse-reviews' });
    const quiet = summary({ 'topic:reviews.clean': 3 });
    const busy = { ...quiet, counters: { [MetricName.LookupCalls]: 2, [MetricName.CacheHits]: 0 } };
    // Act
    const published = (s: BatchSummary) =>
      emfLines(() => {
        emitBatchMetrics(metrics, s);
        metrics.publishStoredMetrics();
      }).find((l) => MetricName.RecordsIn in l);
    const first = published(quiet);
    const second = published(busy);
    // Assess
    for (const name of [MetricName.RecordsIn, MetricName.RecordsDeadLettered, MetricName.RecordsFailed])
      expect(first).toHaveProperty(name);
    for (const name of [MetricName.LookupCalls, MetricName.CacheHits, MetricName.RecordsReplayed])
      expect(first).not.toHaveProperty(name);
    expect(second?.[MetricName.LookupCalls]).toBe(2);
    expect(second).not.toHaveProperty(MetricName.CacheHits);
    vi.unstubAllEnvs();
  });

  it("publishes a stateful step's late records, which the CDK app's LateRecords alarm reads", () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new Metrics({ namespace: 'Sluice', serviceName: 'product-ratings' });
    const late = {
      ...summary({ 'topic:reviews.product-stats': 0 }),
      counters: { [MetricName.LateRecords]: 1 },
    };
    // Act
    const published = emfLines(() => {
      emitBatchMetrics(metrics, late);
      metrics.publishStoredMetrics();
    }).find((l) => MetricName.RecordsIn in l);
    // Assess
    expect(published?.[MetricName.LateRecords]).toBe(1);
    vi.unstubAllEnvs();
  });
});
