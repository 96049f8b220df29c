import { defineFlow, handlerFor, rekey, toTopic } from '../shared/index.ts';
import { topics } from './resources.ts';

/**
 * The reviews' repartition hop of verified-reviews: enriched reviews (keyed by review id) written again keyed by
 * customer, so a customer's reviews land in the partition number where orders.by-customer puts their orders.
 */
export const flow = defineFlow({
  name: 'reviews-by-customer',
  description: 'Repartitions enriched reviews by customer for the verified-reviews join',
  source: { topic: topics.reviewsEnriched, batchSize: 500, batchingWindowMs: 0 },
  deadLetter: toTopic(topics.verifiedDeadLetters),
})
  .step(rekey({ name: 'by-customer', key: 'customerId' }))
  .to(toTopic(topics.reviewsByCustomer));

export const handler = handlerFor(flow);
