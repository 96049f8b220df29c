import { describe, expect, it } from 'vitest';
import { productHoursFor } from '../../../local/runner/expectations.ts';
import { productStatsChecks } from '../../../local/runner/product-stats.ts';
import type { SampleRecord } from '../../../local/samples/generate.ts';

const H = 3_600_000;
const nine = Date.UTC(2026, 10, 20, 9);
const review = (
  id: string,
  productId: string,
  rating: number,
  at: number,
  extra: Partial<SampleRecord> = {},
) =>
  ({
    key: id,
    value: { reviewId: id, productId, rating, createdAt: new Date(at).toISOString() },
    ...extra,
  }) as SampleRecord;

describe("npm start's expectation of product-ratings, from the sample reviews alone", () => {
  it('counts and sums each product hour; an hour is closed once a later wave passes its end + 10 min', () => {
    // Prepare
    const reviews = [
      review('a', 'p-1', 5, nine + 60_000),
      review('b', 'p-1', 2, nine + 120_000),
      review('c', 'p-2', 4, nine + 180_000),
      review('bad', 'p-1', 1, nine, { expect: 'validate: wrong shape' }),
      review('d', 'p-1', 3, nine + H + 30 * 60_000, { wave: 1 }),
    ];
    // Act
    const hours = productHoursFor(reviews);
    // Assess
    expect([...hours.values()]).toEqual([
      { productId: 'p-1', windowStart: nine, count: 2, ratingSum: 7, closed: true },
      { productId: 'p-2', windowStart: nine, count: 1, ratingSum: 4, closed: false },
      { productId: 'p-1', windowStart: nine + H, count: 1, ratingSum: 3, closed: false },
    ]);
  });

  it('leaves out a review of a closed hour marked late, and refuses one that is late but unmarked', () => {
    // Prepare
    const first = [review('a', 'p-1', 5, nine), review('b', 'p-1', 4, nine + H + 30 * 60_000, { wave: 1 })];
    const marked = review('c', 'p-1', 1, nine + 45 * 60_000, { wave: 2, expect: 'late: after close' });
    const unmarked = review('c', 'p-1', 1, nine + 45 * 60_000, { wave: 2 });
    // Act
    const hours = productHoursFor([...first, marked]);
    // Assess
    expect(hours.get(`p-1@${nine}`)).toMatchObject({ count: 1, ratingSum: 5, closed: true });
    expect(() => productHoursFor([...first, unmarked])).toThrow('is late but does not say so');
  });

  it('refuses a wave that both adds to an hour and closes it (its outcome would depend on batch order)', () => {
    // Prepare
    const reviews = [review('a', 'p-1', 5, nine), review('b', 'p-1', 4, nine + H + 30 * 60_000)];
    // Act / Assess
    expect(() => productHoursFor(reviews)).toThrow('both adds to and closes p-1');
  });
});

describe("npm start's checks of product-ratings", () => {
  it('counts emitted records and table items whose figures equal the expected ones, in any field order', () => {
    // Prepare
    const hours = productHoursFor([
      review('a', 'p-1', 5, nine),
      review('b', 'p-1', 4, nine + 60_000),
      review('c', 'p-1', 3, nine + H + 30 * 60_000, { wave: 1 }),
    ]);
    const closedHour = { count: 2, ratingSum: 9, averageRating: 4.5 };
    const emitted = [{ key: 'p-1', windowStart: nine, windowEnd: nine + H, value: closedHour }];
    const table = [
      { key: 'p-1', windowStart: nine, result: { averageRating: 4.5, ratingSum: 9, count: 2 } },
      { key: 'p-1', windowStart: nine + H, result: { count: 1, ratingSum: 3, averageRating: 2 } },
    ];
    // Act
    const checks = productStatsChecks(hours, emitted, table, 1, 1);
    // Assess
    expect(checks.map((c) => [c.expected, c.actual])).toEqual([
      [1, 1],
      [1, 1],
      [2, 2],
      [2, 1],
      [1, 1],
    ]);
  });
});
