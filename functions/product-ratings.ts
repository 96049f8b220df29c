import { aggregate, defineFlow, handlerFor, reduce, toTopic, tumbling } from '../shared/index.ts';
import { type ProductRatings, tables, topics } from './resources.ts';

/**
 * Count and average rating per product per hour, by the review's own time: kept current in the product-stats
 * table as reviews arrive (`npm run query -- product-ratings <productId>`), and emitted once to
 * reviews.product-stats when the hour closes (stream time past its end + 10 minutes). A review later than that
 * is dead-lettered as `late` (and alarmed on).
 */
export const flow = defineFlow({
  name: 'product-ratings',
  description: 'Hourly review count and average rating per product, emitted when the hour closes',
  source: { topic: topics.reviewsByProduct, batchSize: 500, batchingWindowMs: 0 },
  deadLetter: toTopic(topics.ratingsDeadLetters),
})
  .step(
    aggregate({
      name: 'ratings-per-hour',
      state: tables.productStats,
      key: 'productId',
      eventTime: 'createdAt',
      window: tumbling('1h'),
      grace: '10m',
      // An hour's figures stay queryable for 90 days after it closes, then expire (DynamoDB TTL).
      retention: '90d',
      reduce: reduce({
        initial: { count: 0, ratingSum: 0 },
        add: (a, review) => ({ count: a.count + 1, ratingSum: a.ratingSum + review.rating }),
        result: (a): ProductRatings => ({
          count: a.count,
          ratingSum: a.ratingSum,
          averageRating: a.ratingSum / a.count,
        }),
      }),
    }),
  )
  .to(toTopic(topics.reviewsProductStats));

export const handler = handlerFor(flow);
