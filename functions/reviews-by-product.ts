import { defineFlow, handlerFor, rekey, toTopic } from '../shared/index.ts';
import { topics } from './resources.ts';

/**
 * The repartition hop of product-ratings: enriched reviews (keyed by review id) written again keyed by product,
 * so every review of a product lands on one partition, whose stream time closes that product's windows.
 */
export const flow = defineFlow({
  name: 'reviews-by-product',
  description: 'Repartitions enriched reviews by product for the per-product windows',
  source: { topic: topics.reviewsEnriched, batchSize: 500, batchingWindowMs: 0 },
  deadLetter: toTopic(topics.ratingsDeadLetters),
})
  .step(rekey({ name: 'by-product', key: 'productId' }))
  .to(toTopic(topics.reviewsByProduct));

export const handler = handlerFor(flow);
