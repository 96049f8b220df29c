import { defineFlow, handlerFor, join, map, rekey, toTopic } from '../shared/index.ts';
import { type EnrichedReview, topics } from './resources.ts';
import type { Order } from './schemas/orders.ts';
import { verifiedJoin, verify } from './verified-join.ts';

/**
 * The order side of the verified-reviews join: each order is kept for the reviews of its customer that come in
 * the 30 days after it, and pairs with those already kept (a review that arrived before its order). Writes the
 * same verified reviews as verified-reviews does.
 */
export const flow = defineFlow({
  name: 'verified-orders',
  description: 'Orders joined with their customer’s reviews of the 30 days after (the order side)',
  source: { topic: topics.ordersByCustomer, batchSize: 500, batchingWindowMs: 0 },
  deadLetter: toTopic(topics.verifiedDeadLetters),
})
  .step(
    join<Order, EnrichedReview, { review: EnrichedReview; order: Order }>({
      ...verifiedJoin,
      side: 'right',
      other: topics.reviewsByCustomer,
      eventTime: 'orderTime',
      as: (review, order) => ({ review: review as EnrichedReview, order: order as Order }),
    }),
  )
  .step(map(verify, { name: 'has-product' }))
  .step(rekey({ name: 'by-review', key: 'reviewId' }))
  .to(toTopic(topics.reviewsVerified));

export const handler = handlerFor(flow);
