import { defineFlow, handlerFor, toS3, toTopic } from '../shared/index.ts';
import { lake, topics } from './resources.ts';

/** A sink: no steps, one store. Large batches make few, large lake objects. */
export const flow = defineFlow({
  name: 'lake-sink',
  description: 'Writes enriched reviews to the S3 lake in gzip NDJSON, partitioned by review time',
  source: { topic: topics.reviewsEnriched, batchSize: 5000, batchingWindowMs: 1000 },
  deadLetter: toTopic(topics.sinkDeadLetters),
}).to(toS3({ bucket: lake, prefix: 'reviews/enriched', timeField: 'createdAt' }));

export const handler = handlerFor(flow);
