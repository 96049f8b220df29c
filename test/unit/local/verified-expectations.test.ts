import { describe, expect, it } from 'vitest';
import { expectationsFor, sampleFiles } from '../../../local/runner/expectations.ts';
import { verifiedPairsFor } from '../../../local/runner/verified-reviews.ts';
import type { SampleRecord } from '../../../local/samples/generate.ts';
import { readSampleRecords } from '../../../local/samples/records.ts';

const DAY = 86_400_000;
const review = (reviewId: string, createdAt: string, productId = 'p-1'): SampleRecord => ({
  key: reviewId,
  value: { reviewId, customerId: 'c-1', productId, createdAt },
});
const order = (
  orderId: string,
  orderTime: number,
  productIds = ['p-1'],
  customerId = 'c-1',
): SampleRecord => ({
  key: orderId,
  value: { orderId, customerId, orderTime, lines: productIds.map((productId) => ({ productId })) },
});
const at = Date.parse('2026-11-20T09:00:00Z');

describe("npm start's check of reviews.verified", () => {
  it("pairs a review with its customer's orders of its product placed in the 30 days before it, ends included", () => {
    // Prepare
    const reviews = [review('r-1', '2026-11-20T09:00:00Z')];
    const orders = [
      order('o-day', at - DAY),
      order('o-30d', at - 30 * DAY),
      order('o-same-time', at),
      order('o-31d', at - 31 * DAY),
      order('o-hour-after', at + 3_600_000),
      order('o-other-product', at - DAY, ['p-2']),
      order('o-other-customer', at - DAY, ['p-1'], 'c-2'),
      { ...order('o-bad', at - DAY), expect: 'decode: DESERIALIZATION_ERROR' },
    ];
    // Act
    const pairs = verifiedPairsFor(reviews, orders, new Set(['r-1']));
    // Assess
    expect([...pairs].sort()).toEqual(['r-1|o-30d', 'r-1|o-day', 'r-1|o-same-time']);
  });

  it('leaves out reviews that never reach reviews.enriched', () => {
    // Act
    const pairs = verifiedPairsFor(
      [review('r-1', '2026-11-20T09:00:00Z')],
      [order('o-1', at - DAY)],
      new Set(),
    );
    // Assess
    expect(pairs.size).toBe(0);
  });

  it('finds in the samples the 200 orders made to verify every 8th review, and 259 pairs in all', () => {
    // Prepare: local/samples/generate.ts places 200 orders 1-29 days before their review, 50 outside the window.
    const reviews = readSampleRecords(sampleFiles.reviews);
    const orders = readSampleRecords(sampleFiles.orders);
    // Act
    const pairs = verifiedPairsFor(reviews, orders, expectationsFor(reviews).enrichedReviewIds);
    // Assess
    const designed = [...pairs].filter((p) => {
      const [r, o] = p.split('|') as [string, string];
      return Number(r.slice(2)) % 8 === 0 && Number(o.slice(2)) < 250;
    });
    expect(designed.length).toBeGreaterThanOrEqual(200);
    expect(pairs.size).toBe(259);
  });
});
