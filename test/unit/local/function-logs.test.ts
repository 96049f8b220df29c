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
});
