import { defineFlow, handlerFor, registryDecoding, rekey, toTopic } from '../shared/index.ts';
import { topics } from './resources.ts';

/**
 * The orders' repartition hop of verified-reviews: Avro orders (Glue registry, keyed by order id) written again
 * as JSON keyed by customer, co-partitioned with reviews.by-customer.
 */
export const flow = defineFlow({
  name: 'orders-by-customer',
  description: 'Repartitions orders by customer (Avro in, JSON out) for the verified-reviews join',
  source: { topic: topics.orders, batchSize: 500, batchingWindowMs: 0 },
  schemas: registryDecoding(topics.orders),
  deadLetter: toTopic(topics.verifiedDeadLetters),
})
  .step(rekey({ name: 'by-customer', key: 'customerId' }))
  .to(toTopic(topics.ordersByCustomer));

export const handler = handlerFor(flow);
