import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { envelopeLine, planLakeObjects } from '../../../shared/outputs/lake-objects.ts';
import { planBulk } from '../../../shared/outputs/search-bulk.ts';
import { planTableWrites } from '../../../shared/outputs/table-items.ts';
import { flowRecord } from './records.ts';

/** A value nested 100,000 arrays deep, as JSON.parse builds it from 200 KB of brackets. */
const deepValue = () => ({
  customerId: 'c1',
  reviewId: 'r1',
  deep: JSON.parse(`${'['.repeat(100_000)}1${']'.repeat(100_000)}`),
});

const batch = () => [
  flowRecord({ offset: 1, key: 'c0', value: { customerId: 'c0', reviewId: 'r0' } }),
  // A record's source bytes are not what the planners read; only its decoded value matters here.
  { ...flowRecord({ offset: 2, key: 'c1', value: {} }), value: deepValue() },
  flowRecord({ offset: 3, key: 'c2', value: { customerId: 'c2', reviewId: 'r2' } }),
];

describe('store planners given a value too deep to serialise', () => {
  it('build the OpenSearch documents of the others and reject that one with the reason', () => {
    // Act
    const { actions, rejected } = planBulk(batch(), { index: 'reviews', tombstones: 'delete' });
    // Assess
    expect(actions.map((a) => a.record.source.offset)).toEqual([1, 3]);
    expect(rejected.map(([r, e]) => [r.source.offset, e.message])).toEqual([
      [2, 'cannot build the document: RangeError: Maximum call stack size exceeded'],
    ]);
  });

  it('marshall the table items of the others and reject that one with the reason', () => {
    // Act
    const { writes, rejected } = planTableWrites(
      batch(),
      {
        key: { partition: 'customerId' },
        item: (r) => r.value as Record<string, unknown>,
        tombstones: 'delete',
      },
      marshall,
    );
    // Assess
    expect(writes.map((w) => w.record.source.offset)).toEqual([1, 3]);
    expect(rejected.map(([r, e]) => [r.source.offset, e.message])).toEqual([
      [2, 'cannot build the table item: Maximum call stack size exceeded'],
    ]);
  });

  it('write the lake lines of the others and dead-letter that one with the reason', () => {
    // Act
    const { objects, deadLetters } = planLakeObjects(batch(), {
      name: 's3:lake',
      prefix: '',
      maxObjectBytes: 1 << 20,
      line: envelopeLine,
      tombstones: 'keep',
    });
    // Assess
    expect(objects.flatMap((o) => o.records.map((r) => r.source.offset))).toEqual([1, 3]);
    expect(deadLetters.map((d) => [d.record.source.offset, d.error.message])).toEqual([
      [2, 'cannot render record as a lake line: RangeError: Maximum call stack size exceeded'],
    ]);
  });
});
