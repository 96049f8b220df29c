import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Delivery, InputRecord } from '../../support/stateful/contract.ts';
import { aggregateCase, joinCase, type StatefulCase } from '../../support/stateful/generate.ts';

const streamOf = (r: { side?: string; partition: number }) => `${r.side ?? ''}/${r.partition}`;

/** What contract.ts promises about a case, as a list of broken promises (empty when it holds). */
const brokenPromises = ({ records, deliveries }: StatefulCase<unknown>): string[] => {
  const broken: string[] = [];
  const ids = new Set(records.map((r) => r.id));
  if (ids.size !== records.length) broken.push('ids are not unique');
  const partitionOfKey = new Map<string, number>();
  const nextOffset = new Map<string, number>();
  for (const r of records) {
    if ((partitionOfKey.get(r.key) ?? r.partition) !== r.partition) broken.push(`${r.key} in two partitions`);
    partitionOfKey.set(r.key, r.partition);
    if (r.offset !== (nextOffset.get(streamOf(r)) ?? 0))
      broken.push(`${r.id}: offset ${r.offset} out of order`);
    nextOffset.set(streamOf(r), r.offset + 1);
  }
  const firstSeen: InputRecord[] = [];
  const seen = new Set<string>();
  deliveries.forEach((d: Delivery, i) => {
    d.records.forEach((r, j) => {
      if (streamOf(r) !== streamOf(d)) broken.push(`delivery ${i} holds ${r.id} of another stream`);
      if (j > 0 && r.offset !== (d.records[j - 1] as InputRecord).offset + 1)
        broken.push(`delivery ${i} skips or reorders offsets`);
      if (!seen.has(r.id)) firstSeen.push(r);
      seen.add(r.id);
    });
    if (d.failAfterState) {
      const later = new Set(deliveries.slice(i + 1).flatMap((x) => x.records.map((r) => r.id)));
      if (!d.records.every((r) => later.has(r.id)))
        broken.push(`delivery ${i} failed and is not delivered again`);
    }
  });
  if (firstSeen.map((r) => r.id).join() !== records.map((r) => r.id).join())
    broken.push('records are not in first-delivery order');
  return broken;
};

describe('generated stateful cases', () => {
  it('keep the contract for aggregations: unique ids, a key in one partition, offsets in order, every record delivered, failed deliveries delivered again, the oracle told the first-delivery order', () => {
    // Prepare, Act
    const property = fc.property(aggregateCase(), (c) => {
      // Assess
      expect(brokenPromises(c)).toEqual([]);
      expect(c.records.every((r) => r.side === undefined)).toBe(true);
    });
    fc.assert(property, { numRuns: 300 });
  });

  it('keep the contract for joins, each record on one side', () => {
    // Prepare, Act
    const property = fc.property(joinCase(), (c) => {
      // Assess
      expect(brokenPromises(c)).toEqual([]);
      expect(c.records.every((r) => r.side === 'left' || r.side === 'right')).toBe(true);
    });
    fc.assert(property, { numRuns: 300 });
  });

  it('hold replays of every kind, late records and several partitions across a few hundred cases', () => {
    // Prepare
    const cases = fc.sample(aggregateCase(), { numRuns: 300, seed: 14 });
    // Act
    const deliveries = cases.flatMap((c) => c.deliveries);
    const delivered = (c: StatefulCase<unknown>) => c.deliveries.reduce((n, d) => n + d.records.length, 0);
    // Assess
    expect(deliveries.some((d) => d.failAfterState)).toBe(true);
    expect(cases.filter((c) => delivered(c) > c.records.length).length).toBeGreaterThan(150);
    expect(cases.filter((c) => c.spec.partitions > 1).length).toBeGreaterThan(100);
    expect(
      cases.filter((c) =>
        c.records.some((r, i) =>
          c.records.slice(0, i).some((e) => e.timestamp - r.timestamp > c.spec.graceMs),
        ),
      ).length,
    ).toBeGreaterThan(50);
  });
});
