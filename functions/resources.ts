import { defineBucket, defineIndex, defineTables, defineTopics } from '../shared/index.ts';

/**
 * The reference e-commerce topology's shared resources. Tier 1 (raw) → tier 2 (clean) → tier 3 (enriched),
 * reference data as a change stream materialised into a table, and one dead-letter topic per tier. `internal`
 * marks the topics only flows write: their records' lineage headers are trusted (reviews.raw and customers.cdc
 * are written by outside producers, so lineage starts at the flow that reads them).
 */
export const topics = defineTopics({
  reviewsRaw: { name: 'reviews.raw', format: 'json', partitions: 3 },
  reviewsClean: { name: 'reviews.clean', format: 'json', partitions: 3, internal: true },
  reviewsEnriched: { name: 'reviews.enriched', format: 'json', partitions: 3, internal: true },
  reviewsAlerts: { name: 'reviews.alerts', format: 'json', partitions: 1, internal: true },
  customersCdc: { name: 'customers.cdc', format: 'json', partitions: 2 },
  reviewsDeadLetters: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
  customersDeadLetters: { name: 'customers.dlq', format: 'bytes', partitions: 1 },
  sinkDeadLetters: { name: 'sinks.dlq', format: 'bytes', partitions: 1 },
});

export const tables = defineTables({
  customers: { name: 'customers', partitionKey: 'customerId' },
  products: { name: 'products', partitionKey: 'productId' },
});

export const lake = defineBucket({ name: 'sluice-lake' });
export const reviewsIndex = defineIndex({ name: 'reviews' });
