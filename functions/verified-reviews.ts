import { defineFlow, handlerFor, join, map, rekey, toTopic } from '../shared/index.ts';
import { type EnrichedReview, topics } from './resources.ts';
import type { Order } from './schemas/orders.ts';
import { verifiedJoin, verify } from './verified-join.ts';

/**
 * The review side of the verified-reviews join: each review pairs with the orders of its customer placed in the
 * 30 days before it (kept in the join-state table by verified-orders); a pair whose order has the review's
 * product is a verified review, written to reviews.verified keyed by review id with the order id. An order
 * placed after a review is found from the order's side (verified-orders), each pair once.
 */
export const flow = defineFlow({
  name: 'verified-reviews',
  description: 'Reviews joined with their customer’s orders of the 30 days before (the review side)',
  source: { topic: topics.reviewsByCustomer, batchSize: 500, batchingWindowMs: 0 },
  deadLetter: toTopic(topics.verifiedDeadLetters),
})
  .step(
    join<EnrichedReview, Order, { review: EnrichedReview; order: Order }>({
      ...verifiedJoin,
      side: 'left',
      other: topics.ordersByCustomer,
      eventTime: 'createdAt',
      as: (review, order) => ({ review: review as EnrichedReview, order: order as Order }),
    }),
  )
  .step(map(verify, { name: 'has-product' }))
  .step(rekey({ name: 'by-review', key: 'reviewId' }))
  .to(toTopic(topics.reviewsVerified));

export const handler = handlerFor(flow);
