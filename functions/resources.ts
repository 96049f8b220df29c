import {
  defineBucket,
  defineIndex,
  defineTables,
  defineTopics,
  glueRegistry,
  typed,
  type WindowResult,
} from '../shared/index.ts';
import type { Review } from './cleanse-reviews.ts';
import { type Order, ordersSchema } from './schemas/orders.ts';

/** A customer in the customers table (the `after` row of its Debezium changes). */
export interface Customer {
  readonly customerId: string;
  readonly name: string;
  readonly tier: 'gold' | 'silver' | 'bronze';
  readonly country: string;
  readonly email: string;
  readonly since: string;
}

/** A product of the products table (seeded from events/seeds/products.json). */
export interface Product {
  readonly productId: string;
  readonly name: string;
  readonly category: string;
  readonly priceCents: number;
}

/** A tier-3 review: a tier-2 review with its customer (null when unknown) and its product (enrich-reviews). */
export type EnrichedReview = Review & {
  readonly customer: Pick<Customer, 'customerId' | 'name' | 'tier' | 'country' | 'since'> | null;
  readonly product: Pick<Product, 'productId' | 'name' | 'category' | 'priceCents'>;
};

/** A review with the order that verifies it (verified-reviews' and verified-orders' output, keyed by review id). */
export interface VerifiedReview {
  readonly reviewId: string;
  readonly customerId: string;
  readonly productId: string;
  readonly rating: number;
  readonly createdAt: EnrichedReview['createdAt'];
  readonly orderId: string;
  readonly orderTime: number;
}

/** One product's ratings in one hour (product-ratings' window result). */
export interface ProductRatings {
  readonly count: number;
  readonly ratingSum: number;
  readonly averageRating: number;
}

/**
 * The reference e-commerce topology's shared resources. Tier 1 (raw) → tier 2 (clean) → tier 3 (enriched),
 * reference data arriving in a change stream materialised into a table, and one dead-letter topic per tier. `internal`
 * marks the topics only flows write: their records' lineage headers are trusted (reviews.raw, customers.cdc and
 * orders are written by outside producers, so lineage starts at the flow that reads them). `typed` declares what a
 * topic's records hold, or a table's items: the flows reading them are typed from it, and the flows writing them
 * must produce it (types only; `validate` checks at run time).
 */
export const topics = defineTopics({
  reviewsRaw: { name: 'reviews.raw', format: 'json', partitions: 3 },
  reviewsClean: typed<Review>({ name: 'reviews.clean', format: 'json', partitions: 3, internal: true }),
  reviewsEnriched: typed<EnrichedReview>({
    name: 'reviews.enriched',
    format: 'json',
    partitions: 3,
    internal: true,
  }),
  reviewsAlerts: typed<EnrichedReview>({
    name: 'reviews.alerts',
    format: 'json',
    partitions: 1,
    internal: true,
  }),
  // The repartition topic of product-ratings: enriched reviews keyed by product, so one partition owns each
  // product's windows (reviews.enriched is keyed by review id).
  reviewsByProduct: typed<EnrichedReview>({
    name: 'reviews.by-product',
    format: 'json',
    partitions: 3,
    internal: true,
    keyedBy: 'productId',
  }),
  reviewsProductStats: typed<WindowResult<ProductRatings>>({
    name: 'reviews.product-stats',
    format: 'json',
    partitions: 3,
    internal: true,
  }),
  // The repartition topics of the verified-reviews join: reviews and orders keyed by customer, so a customer's
  // reviews and orders land in the same partition number (co-partitioned: same partition count, same key).
  reviewsByCustomer: typed<EnrichedReview>({
    name: 'reviews.by-customer',
    format: 'json',
    partitions: 3,
    internal: true,
    keyedBy: 'customerId',
  }),
  ordersByCustomer: typed<Order>({
    name: 'orders.by-customer',
    format: 'json',
    partitions: 3,
    internal: true,
    keyedBy: 'customerId',
  }),
  reviewsVerified: typed<VerifiedReview>({
    name: 'reviews.verified',
    format: 'json',
    partitions: 3,
    internal: true,
    keyedBy: 'reviewId',
  }),
  customersCdc: { name: 'customers.cdc', format: 'json', partitions: 2 },
  // Written by the order service in Avro through the Glue Schema Registry; `schema` is the readers' (and the lake's).
  orders: typed<Order>({
    name: 'orders',
    format: 'avro',
    partitions: 3,
    registry: glueRegistry({ name: 'sluice' }),
    schema: JSON.stringify(ordersSchema),
  }),
  reviewsDeadLetters: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
  customersDeadLetters: { name: 'customers.dlq', format: 'bytes', partitions: 1 },
  sinkDeadLetters: { name: 'sinks.dlq', format: 'bytes', partitions: 1 },
  ordersDeadLetters: { name: 'orders.dlq', format: 'bytes', partitions: 1 },
  // product-ratings' own (late reviews among them): reviews.dlq stays the tier-1 and tier-2 reviews' rejects.
  ratingsDeadLetters: { name: 'ratings.dlq', format: 'bytes', partitions: 1 },
  // The verified-reviews join's hops and sides (orders.dlq stays orders-lake's, whose check counts it).
  verifiedDeadLetters: { name: 'verified.dlq', format: 'bytes', partitions: 1 },
});

export const tables = defineTables({
  customers: typed<Customer>({ name: 'customers', partitionKey: 'customerId' }),
  products: typed<Product>({ name: 'products', partitionKey: 'productId' }),
  // product-ratings' windows, kept current as reviews arrive (the interactive query: npm run query).
  productStats: { name: 'product-stats', partitionKey: 'pk', sortKey: 'sk' },
  // The verified-reviews join's state: both sides' records within the window, and the claims of its pairs.
  joinState: { name: 'join-state', partitionKey: 'pk', sortKey: 'sk' },
});

export const lake = defineBucket({ name: 'sluice-lake' });
/** The SNS topic alerts-notify publishes to (the CDK app creates it; locally `npm start` creates it on moto). */
export const alertsNotifications = 'sluice-review-alerts';
export const reviewsIndex = defineIndex({ name: 'reviews' });
