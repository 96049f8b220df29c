import { defineBucket, defineTables, defineTopics } from '../../shared/index.ts';

/**
 * The fraud-scoring example's shared resources: card payments arrive on `payments` (written by the payment
 * service, so not `internal`: lineage starts at the flow), risky ones go to `payments.alerts`, every scored
 * payment to the lake. Merchant risk data is a DynamoDB table the flow reads.
 */
export const topics = defineTopics({
  payments: { name: 'payments', format: 'json', partitions: 3 },
  paymentsAlerts: { name: 'payments.alerts', format: 'json', partitions: 1, internal: true },
  paymentsDeadLetters: { name: 'payments.dlq', format: 'bytes', partitions: 1 },
});

export const tables = defineTables({
  merchants: { name: 'merchants', partitionKey: 'merchantId' },
});

// S3 bucket names are global: change it before you deploy.
export const lake = defineBucket({ name: 'sluice-fraud-lake' });
