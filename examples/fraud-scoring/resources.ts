import { defineBucket, defineTables, defineTopics, typed } from '../../shared/index.ts';
import type { ScoredPayment } from './score-payments.ts';

/** A merchant in the merchants table, as the risk team keeps it (seeded from events/seeds/merchants.json). */
export interface Merchant {
  readonly merchantId: string;
  readonly name: string;
  readonly country: string;
  readonly riskLevel: 'low' | 'medium' | 'high';
}

/**
 * The fraud-scoring example's shared resources: card payments arrive on `payments` (written by the payment
 * service, so not `internal`: lineage starts at the flow), risky ones go to `payments.alerts`, every scored
 * payment to the lake. Merchant risk data is a DynamoDB table the flow reads. `typed` declares what a topic's
 * records or a table's items hold, so the flow is checked against it at compile time.
 */
export const topics = defineTopics({
  payments: { name: 'payments', format: 'json', partitions: 3 },
  paymentsAlerts: typed<ScoredPayment>({
    name: 'payments.alerts',
    format: 'json',
    partitions: 1,
    internal: true,
  }),
  paymentsDeadLetters: { name: 'payments.dlq', format: 'bytes', partitions: 1 },
});

export const tables = defineTables({
  merchants: typed<Merchant>({ name: 'merchants', partitionKey: 'merchantId' }),
});

// S3 bucket names are global: change it before you deploy.
export const lake = defineBucket({ name: 'sluice-fraud-lake' });
