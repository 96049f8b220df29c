import { defineFlow, handlerFor, lakeColumnsOf, registryDecoding, toS3, toTopic } from '../shared/index.ts';
import { lake, topics } from './resources.ts';

/**
 * A sink for a registry topic: Avro orders (AWS Glue Schema Registry) to the lake as Parquet. The columns are the
 * Avro schema's top-level fields (nested lines as JSON), derived from the topic's declared schema; objects are
 * partitioned by order time.
 */
export const flow = defineFlow({
  name: 'orders-lake',
  description: 'Writes Avro orders (Glue registry) to the S3 lake as Parquet, columns from the Avro schema',
  source: { topic: topics.orders, batchSize: 5000, batchingWindowMs: 1000 },
  schemas: registryDecoding(topics.orders),
  deadLetter: toTopic(topics.ordersDeadLetters),
}).to(
  toS3({
    bucket: lake,
    prefix: 'orders',
    format: 'parquet',
    columns: lakeColumnsOf(topics.orders),
    line: (record) => record.value,
    timeField: 'orderTime',
    tombstones: 'skip',
  }),
);

export const handler = handlerFor(flow);
