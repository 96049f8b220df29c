import type { FlowRecord } from '../shared/record.ts';

/** Review-shaped records (~450 bytes of JSON) from one source partition, offsets from 0. */
export const reviewRecords = (count: number, topic = 'reviews.enriched'): FlowRecord[] =>
  Array.from({ length: count }, (_, offset) => {
    const value = {
      reviewId: `r-${offset}`,
      customerId: `c-${offset % 997}`,
      productId: `p-${offset % 101}`,
      rating: (offset % 5) + 1,
      title: `Review number ${offset}`,
      text: 'Arrived on time, works as described, would buy again. '.repeat(3),
      createdAt: new Date(Date.UTC(2025, 5, 1) + offset * 1000).toISOString(),
      country: ['DE', 'FR', 'GB', 'US'][offset % 4],
      customer: { tier: offset % 3 ? 'silver' : 'gold' },
    };
    return {
      source: {
        topic,
        partition: 0,
        offset,
        timestamp: Date.UTC(2025, 5, 1) + offset * 1000,
        timestampType: 'CREATE_TIME',
        key: Buffer.from(value.reviewId),
        value: Buffer.from(JSON.stringify(value)),
        headers: [],
      },
      key: value.reviewId,
      value,
      headers: {},
    };
  });
