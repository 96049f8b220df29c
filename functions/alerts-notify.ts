import { defineFlow, handlerFor, toSns, toTopic } from '../shared/index.ts';
import { alertsNotifications, topics } from './resources.ts';

/**
 * An operational application fed from Kafka: each alert (a low rating from a gold customer) becomes a
 * notification on an SNS topic, for whoever subscribes (a support queue, e-mail, a chat hook).
 */
export const flow = defineFlow({
  name: 'alerts-notify',
  description: 'Publishes each review alert to an SNS topic as a short notification',
  source: { topic: topics.reviewsAlerts, batchSize: 100, batchingWindowMs: 1000 },
  deadLetter: toTopic(topics.sinkDeadLetters),
}).to(
  toSns(alertsNotifications, {
    body: (record) => ({
      reviewId: record.value.reviewId,
      rating: record.value.rating,
      customerId: record.value.customerId,
      tier: record.value.customer?.tier ?? null,
      product: record.value.product.name,
    }),
  }),
);

export const handler = handlerFor(flow);
