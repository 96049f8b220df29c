import { defineFlow, handlerFor, toPostgres, toTopic } from '../shared/index.ts';
import { topics } from './resources.ts';

/**
 * The reverse-ETL case: enriched reviews upserted into a PostgreSQL data mart (`review_facts`, DDL in
 * `functions/sql/review_facts.sql`), one row per review with its customer's tier and its product's category as
 * columns, for SQL reporting. A row the table refuses (a constraint, a type) goes to the sinks' dead letters.
 */
export const flow = defineFlow({
  name: 'reviews-mart',
  description:
    'Upserts enriched reviews into the review_facts table of the PostgreSQL mart, one row per review',
  source: { topic: topics.reviewsEnriched, batchSize: 500, batchingWindowMs: 1000 },
  deadLetter: toTopic(topics.sinkDeadLetters),
}).to(
  toPostgres({
    table: 'review_facts',
    key: 'review_id',
    row: ({ value, source }) => ({
      review_id: value.reviewId,
      customer_id: value.customerId,
      product_id: value.productId,
      rating: value.rating,
      title: value.title,
      country: value.country,
      created_at: value.createdAt,
      customer_tier: value.customer?.tier ?? null,
      product_category: value.product.category,
      price_cents: value.product.priceCents,
      source_topic: source.topic,
      source_partition: source.partition,
      source_offset: source.offset,
    }),
  }),
);

export const handler = handlerFor(flow);
