import type { Admin, Kafka } from 'kafkajs';
import type { SampleRecord } from '../samples/generate.ts';
import { sampleTime } from './expectations.ts';
import { partitionEnds, readValuesSince } from './product-stats.ts';
import type { Check } from './report.ts';

/** The reference topology's stream–stream join (functions/verified-reviews.ts, verified-orders.ts). */
export const verifiedReviews = { topic: 'reviews.verified', deadLetters: 'verified.dlq' } as const;

const DAY_MS = 86_400_000;
/** The join's window (functions/verified-join.ts): orders placed up to 30 days before the review, none after. */
const BEFORE_MS = 30 * DAY_MS;

interface SampleReview {
  readonly reviewId: string;
  readonly customerId: string;
  readonly productId: string;
  readonly createdAt: unknown;
}
interface SampleOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly orderTime: number;
  readonly lines: readonly { readonly productId: string }[];
}

/**
 * The `<reviewId>|<orderId>` pairs reviews.verified must hold, from the sample files alone: every enriched review
 * with every good order of its customer that has a line with the review's product and was placed in the 30 days
 * before the review (the window's ends included, as Kafka Streams' JoinWindows has them).
 */
export const verifiedPairsFor = (
  reviews: readonly SampleRecord[],
  orders: readonly SampleRecord[],
  enrichedReviewIds: ReadonlySet<string>,
): Set<string> => {
  const byCustomer = new Map<string, SampleOrder[]>();
  for (const record of orders) {
    if (record.expect !== undefined || record.value == null) continue;
    const order = record.value as SampleOrder;
    byCustomer.set(order.customerId, [...(byCustomer.get(order.customerId) ?? []), order]);
  }
  const pairs = new Set<string>();
  for (const record of reviews) {
    const review = record.value as SampleReview | null;
    if (review == null || !enrichedReviewIds.has(review.reviewId)) continue;
    const t = sampleTime(review.createdAt);
    for (const order of byCustomer.get(review.customerId) ?? []) {
      if (order.orderTime < t - BEFORE_MS || order.orderTime > t) continue;
      if (order.lines.some((line) => line.productId === review.productId))
        pairs.add(`${review.reviewId}|${order.orderId}`);
    }
  }
  return pairs;
};

/** Where reviews.verified ends before the run: its new records are what the run verified. */
export const verifiedBefore = (admin: Admin) => partitionEnds(admin, verifiedReviews.topic);

/** npm start's checks of the join: the verified reviews, each pair once, against the samples' pairs. */
export const verifiedReviewsChecks = async (
  kafka: Kafka,
  admin: Admin,
  since: ReadonlyMap<number, number>,
  expected: ReadonlySet<string>,
  deadLettersExpected: number,
  deadLettersActual: number,
): Promise<Check[]> => {
  const emitted = (await readValuesSince(kafka, admin, verifiedReviews.topic, since)) as {
    reviewId?: string;
    orderId?: string;
  }[];
  const ids = emitted.map((v) => `${v.reviewId}|${v.orderId}`);
  return [
    {
      what: 'reviews.verified: reviews with an order of theirs in the 30 days before',
      expected: expected.size,
      actual: new Set(ids.filter((id) => expected.has(id))).size,
    },
    {
      what: 'reviews.verified: records (a wrong pair or a repeat would add one)',
      expected: expected.size,
      actual: ids.length,
    },
    {
      what: 'verified.dlq: bad orders (the join hops dead-letter nothing else)',
      expected: deadLettersExpected,
      actual: deadLettersActual,
    },
  ];
};
