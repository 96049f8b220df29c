import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { SampleRecord } from '../samples/generate.ts';
import { readSampleRecords } from '../samples/records.ts';
import { projectRoot } from '../services/paths.ts';

/** What the reference topology must produce from the sample events, worked out from the samples themselves. */
export interface Expectations {
  readonly reviewsPublished: number;
  readonly clean: number;
  readonly enriched: number;
  readonly alerts: number;
  readonly reviewDeadLetters: number;
  /** Reasons of the records meant to be dead-lettered, by stage. */
  readonly deadLettersByStage: Readonly<Record<string, number>>;
  readonly customersPublished: number;
  readonly customersInTable: number;
  /** Review ids expected in the enriched topic, the lake and the index. */
  readonly enrichedReviewIds: ReadonlySet<string>;
  readonly alertReviewIds: ReadonlySet<string>;
  /** Each customer's tier in the table after the change stream (the reviews mart's `customer_tier`). */
  readonly customerTiers: ReadonlyMap<string, string | undefined>;
}

export const sampleFiles = {
  customers: join(projectRoot, 'events', 'records', 'customers.cdc.jsonl'),
  reviews: join(projectRoot, 'events', 'records', 'reviews.raw.jsonl'),
  orders: join(projectRoot, 'events', 'records', 'orders.jsonl'),
} as const;

/** What orders-lake must make of the sample orders: every good order a lake row, every bad one a dead letter. */
export interface OrderExpectations {
  /** The good orders by id, as JSON values (what the order service encoded in Avro). */
  readonly byId: ReadonlyMap<string, unknown>;
  readonly deadLetters: number;
}

export const orderExpectationsFor = (
  orders: readonly SampleRecord[] = readSampleRecords(sampleFiles.orders),
): OrderExpectations => {
  const byId = new Map<string, unknown>();
  let deadLetters = 0;
  for (const record of orders) {
    if (record.expect !== undefined) deadLetters++;
    else if (record.value != null) byId.set((record.value as { orderId: string }).orderId, record.value);
  }
  return { byId, deadLetters };
};

/**
 * Lake rows (read back from Parquet, as plain JSON) against the sample orders: how many orders have a row equal
 * to them, field for field, and how many rows those are (a duplicate would add one).
 */
export const ordersInLake = (
  rows: readonly Record<string, unknown>[],
  expected: OrderExpectations,
): { equal: number; rows: number } => {
  const found = new Set<string>();
  let matching = 0;
  for (const row of rows) {
    const want = expected.byId.get(row.orderId as string);
    if (want === undefined || !isDeepStrictEqual(row, want)) continue;
    found.add(row.orderId as string);
    matching++;
  }
  return { equal: found.size, rows: matching };
};

/** The fields of the sample's Debezium changes (local/samples/generate.ts) this reads. */
interface DebeziumChange {
  readonly op: string;
  readonly after: { customerId: string; tier?: string } | null;
  readonly source: { readonly lsn: number };
}

const stageOf = (record: SampleRecord) => record.expect?.split(':')[0] ?? 'none';

export const expectationsFor = (
  reviews: readonly SampleRecord[] = readSampleRecords(sampleFiles.reviews),
  customerChanges: readonly SampleRecord[] = readSampleRecords(sampleFiles.customers),
): Expectations => {
  // The customers table after the Debezium change stream (customers-table reads it with cdc: 'debezium'): per
  // key, the change with the highest LSN decides; a delete removes the row; Kafka tombstones change nothing.
  const latest = new Map<string, DebeziumChange>();
  for (const change of customerChanges) {
    if (change.key === null || change.value === null) continue;
    const value = change.value as DebeziumChange;
    const seen = latest.get(change.key);
    if (!seen || seen.source.lsn < value.source.lsn) latest.set(change.key, value);
  }
  const customers = new Map<string, { tier?: string; customerId: string }>();
  for (const change of latest.values()) {
    if (change.op !== 'd' && change.after) customers.set(change.after.customerId, change.after);
  }
  const byStage: Record<string, number> = {};
  const enriched = new Set<string>();
  const alerts = new Set<string>();
  let clean = 0;
  for (const record of reviews) {
    const stage = stageOf(record);
    if (stage !== 'none') byStage[stage] = (byStage[stage] ?? 0) + 1;
    if (stage === 'decode' || stage === 'validate' || stage === 'step') continue;
    clean++;
    if (stage === 'enrich') continue;
    const review = record.value as { reviewId: string; customerId: string; rating: number };
    enriched.add(review.reviewId);
    if (review.rating <= 2 && customers.get(review.customerId)?.tier === 'gold') alerts.add(review.reviewId);
  }
  return {
    reviewsPublished: reviews.length,
    clean,
    enriched: enriched.size,
    alerts: alerts.size,
    reviewDeadLetters: Object.values(byStage).reduce((a, b) => a + b, 0),
    deadLettersByStage: byStage,
    customersPublished: customerChanges.length,
    customersInTable: customers.size,
    enrichedReviewIds: enriched,
    alertReviewIds: alerts,
    customerTiers: new Map([...customers].map(([id, c]) => [id, c.tier])),
  };
};
