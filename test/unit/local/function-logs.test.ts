import { describe, expect, it } from 'vitest';
import { FlowSummary } from '../../../local/runner/function-logs.ts';

describe("the report's per-flow summary of batch log lines", () => {
  it('sums records, drops, dead letters, writes per output and replayed copies left out', () => {
    // Prepare
    const summary = new FlowSummary();
    const batch = (n: number, replayed?: number) => ({
      message: 'batch',
      recordsIn: n,
      filtered: 1,
      deadLettered: 1,
      out: { 's3:sluice-lake/reviews': n - 2 },
      counters: replayed ? { RecordsReplayed: replayed } : {},
    });
    // Act
    summary.add(batch(10));
    summary.add(batch(6, 3));
    // Assess
    expect(summary.describe()).toBe(
      '2 batches, 16 records in, 2 dropped, 2 dead-lettered; wrote s3:sluice-lake/reviews 12; left out 3 replayed copies',
    );
  });

  it('says how many records arrived with lineage headers it did not believe', () => {
    const summary = new FlowSummary();
    summary.add({
      message: 'batch',
      recordsIn: 4,
      out: { 'topic:reviews.clean': 4 },
      counters: { LineageRejected: 3 },
    });
    expect(summary.describe()).toBe(
      '1 batches, 4 records in, 0 dropped, 0 dead-lettered; wrote topic:reviews.clean 4; ignored the lineage headers 3 records arrived with',
    );
  });
});
