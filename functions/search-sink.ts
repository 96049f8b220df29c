import { defineFlow, handlerFor, toOpenSearch, toTopic } from '../shared/index.ts';
import { reviewsIndex, topics } from './resources.ts';

/** A sink with its own consumer: a slow or broken index never holds back the lake. */
export const flow = defineFlow({
  name: 'search-sink',
  description: 'Indexes enriched reviews into OpenSearch, one document per review',
  source: { topic: topics.reviewsEnriched, batchSize: 1000, batchingWindowMs: 1000 },
  deadLetter: toTopic(topics.sinkDeadLetters),
}).to(
  toOpenSearch({
    index: reviewsIndex,
    id: (record) => record.value.reviewId,
    mappings: {
      properties: {
        reviewId: { type: 'keyword' },
        rating: { type: 'integer' },
        title: { type: 'text' },
        text: { type: 'text' },
        createdAt: { type: 'date' },
        country: { type: 'keyword' },
        'customer.tier': { type: 'keyword' },
      },
    },
  }),
);

export const handler = handlerFor(flow);
