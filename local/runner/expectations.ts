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
  /** Records meant for reviews.dlq (late reviews go to ratings.dlq, product-ratings' own). */
  readonly reviewDeadLetters: number;
  /** Reviews product-ratings must dead-letter as `late` (to ratings.dlq); they are enriched like any other. */
  readonly lateReviews: number;
  /** Reasons of the records meant for reviews.dlq, by stage. */
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
  let late = 0;
  for (const record of reviews) {
    const stage = stageOf(record);
    if (stage === 'late') late++;
    else if (stage !== 'none') byStage[stage] = (byStage[stage] ?? 0) + 1;
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
    lateReviews: late,
    deadLettersByStage: byStage,
    customersPublished: customerChanges.length,
    customersInTable: customers.size,
    enrichedReviewIds: enriched,
    alertReviewIds: alerts,
    customerTiers: new Map([...customers].map(([id, c]) => [id, c.tier])),
  };
};

/** One product's hour as product-ratings must hold it: the reviews counted and their ratings' sum. */
export interface ProductHour {
  readonly productId: string;
  readonly windowStart: number;
  readonly count: number;
  readonly ratingSum: number;
  /** Emitted to reviews.product-stats: a later review of the product is past the hour's end + grace. */
  readonly closed: boolean;
}

const HOUR_MS = 3_600_000;
const GRACE_MS = 600_000;

/** A review's time as the samples write it (local/samples/generate.ts): epoch seconds or ms, or date text. */
export const sampleTime = (createdAt: unknown): number => {
  if (typeof createdAt === 'number') return createdAt < 1e11 ? createdAt * 1000 : createdAt;
  const t = Date.parse(String(createdAt));
  if (Number.isNaN(t)) throw new Error(`a sample review's createdAt is not a time: ${String(createdAt)}`);
  return t;
};

/**
 * What product-ratings (hourly windows, 10 minutes grace) must hold after the samples, worked out from the sample
 * reviews alone: the enriched ones (no `expect`, or `late`), wave by wave (`SampleRecord.wave`: npm start
 * drains each wave before the next). Stream time is taken per product: in the samples every product's own next
 * hour review closes its 09:00 hour. A review whose hour a product's earlier waves closed is late and must carry
 * `expect: 'late: …'`; one whose hour closes within its own wave would depend on batch interleaving, and is refused.
 */
export const productHoursFor = (
  reviews: readonly SampleRecord[] = readSampleRecords(sampleFiles.reviews),
): Map<string, ProductHour> => {
  const hours = new Map<
    string,
    { productId: string; windowStart: number; count: number; ratingSum: number }
  >();
  const streamTime = new Map<string, number>();
  const counted = reviews.filter((r) => {
    const stage = stageOf(r);
    return stage === 'none' || stage === 'late';
  });
  const waves = [...new Set(counted.map((r) => r.wave ?? 0))].sort((a, b) => a - b);
  for (const wave of waves) {
    const before = new Map(streamTime);
    const touched = new Set<string>();
    for (const record of counted.filter((r) => (r.wave ?? 0) === wave)) {
      const review = record.value as { productId: string; rating: number; createdAt: unknown };
      const time = sampleTime(review.createdAt);
      const windowStart = Math.floor(time / HOUR_MS) * HOUR_MS;
      const closedBy = before.get(review.productId) ?? Number.NEGATIVE_INFINITY;
      const late = windowStart + HOUR_MS + GRACE_MS <= closedBy;
      if (late !== (stageOf(record) === 'late'))
        throw new Error(
          `sample review ${JSON.stringify(record.key)}: ${late ? 'is late but does not say so' : 'says late but is not'}`,
        );
      if (late) continue;
      const id = `${review.productId}@${windowStart}`;
      const hour = hours.get(id) ?? { productId: review.productId, windowStart, count: 0, ratingSum: 0 };
      hours.set(id, { ...hour, count: hour.count + 1, ratingSum: hour.ratingSum + review.rating });
      touched.add(id);
      streamTime.set(review.productId, Math.max(streamTime.get(review.productId) ?? time, time));
    }
    for (const id of touched) {
      const hour = hours.get(id) as { productId: string; windowStart: number };
      if (hour.windowStart + HOUR_MS + GRACE_MS <= (streamTime.get(hour.productId) ?? 0))
        throw new Error(
          `sample wave ${wave} both adds to and closes ${hour.productId}'s hour ${new Date(hour.windowStart).toISOString()}: the outcome would depend on batch order`,
        );
    }
  }
  return new Map(
    [...hours].map(([id, h]) => [
      id,
      { ...h, closed: h.windowStart + HOUR_MS + GRACE_MS <= (streamTime.get(h.productId) ?? 0) },
    ]),
  );
};
