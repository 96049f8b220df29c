import { describe, expect, it } from 'vitest';
import {
  kafkaEvents,
  nextOffsets,
  prng,
  statefulResults,
  workload,
  zipf,
} from '../../../bench/stateful-workload.ts';

describe('the stateful benchmark workload', () => {
  it('draws Zipf ranks: rank 0 about twice as often as rank 1 and ten times rank 9, every rank in range', () => {
    // Prepare
    const next = zipf(1_000, prng(7));
    const counts = new Array<number>(1_000).fill(0);
    // Act
    for (let i = 0; i < 200_000; i++) {
      const rank = next();
      counts[rank] = (counts[rank] ?? 0) + 1;
    }
    // Assess
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200_000);
    expect(counts[0]! / counts[1]!).toBeGreaterThan(1.8);
    expect(counts[0]! / counts[1]!).toBeLessThan(2.2);
    expect(counts[0]! / counts[9]!).toBeGreaterThan(8.5);
    expect(counts[0]! / counts[9]!).toBeLessThan(11.5);
    expect(counts.every((n) => n > 0)).toBe(true);
  });

  it('is the same stream for the same seed; a product keeps its partition; offsets and event time only grow', () => {
    // Prepare
    const options = { records: 2_000, products: 1_000, partitions: 3, startTime: 0, stepMs: 1_000, seed: 3 };
    // Act
    const a = workload(options);
    const b = workload(options);
    // Assess
    expect(a).toEqual(b);
    const partitionOf = new Map<string, number>();
    const lastOffset = [-1, -1, -1];
    for (const [i, r] of a.entries()) {
      expect(partitionOf.get(r.key) ?? r.partition).toBe(r.partition);
      partitionOf.set(r.key, r.partition);
      expect(r.offset).toBe(lastOffset[r.partition]! + 1);
      lastOffset[r.partition] = r.offset;
      expect(Date.parse(r.value.createdAt)).toBe(i * 1_000);
    }
    expect(nextOffsets(a, 3)).toEqual(lastOffset.map((o) => o + 1));
  });

  it("continues a stream's offsets from where the last stretch ended, and groups batches by partition as Lambda does", () => {
    // Prepare
    const first = workload({ records: 900, products: 50, partitions: 3, startTime: 0, stepMs: 1, seed: 1 });
    const next = workload({
      records: 600,
      products: 50,
      partitions: 3,
      startTime: 900,
      stepMs: 1,
      seed: 2,
      firstOffsets: nextOffsets(first, 3),
    });
    // Act
    const events = kafkaEvents(next, 500, 'reviews.by-product');
    // Assess
    expect(events).toHaveLength(2);
    const all = events.flatMap((e) => Object.entries(e.records ?? {}));
    for (const [group, list] of all)
      for (const r of list) expect(group).toBe(`reviews.by-product-${r.partition}`);
    const firstOffsetOf = (p: number) =>
      Math.min(...next.filter((r) => r.partition === p).map((r) => r.offset));
    expect([0, 1, 2].map(firstOffsetOf)).toEqual(nextOffsets(first, 3));
    expect(all.reduce((n, [, list]) => n + list.length, 0)).toBe(600);
  });
});

describe('the stateful benchmark results', () => {
  it('holds the keys the issue names, rates and per-1,000 figures, the targets judged from them', () => {
    // Prepare
    const measured = {
      records: 10_000,
      aggregateSeconds: 0.5,
      floorSeconds: 0.1,
      writeRequests: 400,
      itemsWritten: 900,
      readRequests: 30,
      distinctWindows: 4_000,
      batches: 20,
      windowsEmitted: 17,
    };
    // Act
    const results = statefulResults(measured);
    // Assess
    expect(results).toMatchObject({
      aggregateRecordsPerSec: 20_000,
      floorRecordsPerSec: 100_000,
      aggregateToFloor: 0.2,
      stateWritesPer1000: 40,
      stateItemsWrittenPer1000: 90,
      stateReadsPer1000: 3,
      distinctWindowsPerBatch: 200,
      windowsEmitted: 17,
      joinRecordsPerSec: null,
      kafkaStreamsRecordsPerSec: null,
      targets: { stateWritesPer1000AtMost50: true, aggregateAtLeastHalfFloor: false },
    });
    expect(Object.keys(results.notMeasured)).toEqual(['joinRecordsPerSec', 'kafkaStreamsRecordsPerSec']);
  });

  it('fills the join and Kafka Streams rates measured in the same run, and says why one was not', () => {
    // Prepare
    const measured = {
      records: 1_000,
      aggregateSeconds: 1,
      floorSeconds: 0.01,
      writeRequests: 40,
      itemsWritten: 800,
      readRequests: 10,
      distinctWindows: 430,
      batches: 2,
      windowsEmitted: 3,
    };
    // Act
    const both = statefulResults({
      ...measured,
      joinRecordsPerSec: 240.4,
      kafkaStreamsRecordsPerSec: 51_000.6,
    });
    const one = statefulResults({
      ...measured,
      joinRecordsPerSec: 240,
      kafkaStreamsRecordsPerSec: 'failed: no java',
    });
    // Assess
    expect([both.joinRecordsPerSec, both.kafkaStreamsRecordsPerSec, both.notMeasured]).toEqual([
      240,
      51_001,
      {},
    ]);
    expect([one.kafkaStreamsRecordsPerSec, one.notMeasured]).toEqual([
      null,
      { kafkaStreamsRecordsPerSec: 'failed: no java' },
    ]);
  });
});
