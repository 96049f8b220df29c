import { describe, expect, it } from 'vitest';
import { aggregateUnderTest } from '../../support/stateful/aggregate-under-test.ts';
import type { InputRecord } from '../../support/stateful/contract.ts';

const record = (offset: number, key: string, timestamp: number, value: number): InputRecord => ({
  partition: 0,
  offset,
  key,
  timestamp,
  value,
  id: `r${offset}`,
});

describe('the aggregate under test (the oracle property test runs Sluice through it)', () => {
  it('answers a hand-computed sequence: tumbling sums, out of order within grace, a late record, a failed delivery', async () => {
    // Prepare: windows of 10 ms, grace 2 ms.
    // [0,10) a: 1 + 2 + 8 (t=9 arrives after t=11, within grace) = 11; b: 10. Both close at stream time 12.
    // [10,20) a: 4 + 16 = 20, closed by b at t=25. a at t=3 (offset 6) comes after [0,10) closed: late.
    // The second delivery fails after its state writes and is delivered again: nothing counts twice.
    const run = aggregateUnderTest();
    // Act
    const answer = await run(
      {
        kind: 'aggregate',
        window: { type: 'tumbling', sizeMs: 10 },
        graceMs: 2,
        reduce: 'sum',
        partitions: 1,
      },
      [
        { partition: 0, records: [record(0, 'a', 1, 1), record(1, 'a', 5, 2), record(2, 'b', 8, 10)] },
        {
          partition: 0,
          records: [record(3, 'a', 11, 4), record(4, 'a', 9, 8), record(5, 'a', 12, 16)],
          failAfterState: true,
        },
        { partition: 0, records: [record(6, 'a', 3, 32), record(7, 'b', 25, 64)] },
      ],
    );
    // Assess
    expect(answer.results).toEqual(
      expect.arrayContaining([
        { key: 'a', windowStart: 0, windowEnd: 10, value: 11 },
        { key: 'b', windowStart: 0, windowEnd: 10, value: 10 },
        { key: 'a', windowStart: 10, windowEnd: 20, value: 20 },
      ]),
    );
    expect(answer.results).toHaveLength(3);
    expect(answer.late).toEqual(['r6']);
  });

  it('answers a hand-computed hopping count: a record late for one window still counts in the open one', async () => {
    // Prepare: size 10, advance 5, grace 0. Windows of t: [t-5.., ...]: t=7 → [0,10) and [5,15).
    // t=12 → stream time 12 closes [0,10); t=8 then is late for [0,10) but counts in [5,15).
    // t=30 closes [5,15) (count 3: t=7, 12, 8) and [10,20) (count 1: t=12).
    const run = aggregateUnderTest();
    // Act
    const answer = await run(
      {
        kind: 'aggregate',
        window: { type: 'hopping', sizeMs: 10, advanceMs: 5 },
        graceMs: 0,
        reduce: 'count',
        partitions: 1,
      },
      [
        { partition: 0, records: [record(0, 'k', 7, 0), record(1, 'k', 12, 0)] },
        { partition: 0, records: [record(2, 'k', 8, 0), record(3, 'k', 30, 0)] },
      ],
    );
    // Assess
    expect(answer.results).toEqual(
      expect.arrayContaining([
        { key: 'k', windowStart: 0, windowEnd: 10, value: 1 },
        { key: 'k', windowStart: 5, windowEnd: 15, value: 3 },
        { key: 'k', windowStart: 10, windowEnd: 20, value: 1 },
      ]),
    );
    expect(answer.results).toHaveLength(3);
    expect(answer.late).toEqual([]);
  });
});
