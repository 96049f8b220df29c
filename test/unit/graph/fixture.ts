import { enrich } from '../../../shared/enrich/enrich.ts';
import { anyOf, predicate, where } from '../../../shared/filter/where.ts';
import { toOpenSearch } from '../../../shared/outputs/opensearch.ts';
import { toS3 } from '../../../shared/outputs/s3.ts';
import { toTable } from '../../../shared/outputs/table.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { map } from '../../../shared/steps/map.ts';
import { route } from '../../../shared/steps/route.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineBucket, defineIndex, defineTables, defineTopics } from '../../../shared/topology/resources.ts';
import { defineTopology } from '../../../shared/topology/topology.ts';

/**
 * A small payments topology that is not the reference one: every kind of node and edge the diagram draws (a
 * pushed-down and an in-process source filter, output `when`s, an inner and a left join, a bucket prefix, each of
 * the three on-failure destinations, a route step).
 */
const topics = defineTopics({
  payments: { name: 'payments', format: 'json', partitions: 3 },
  failed: { name: 'payments.failed', format: 'json', partitions: 1 },
  scored: { name: 'payments.scored', format: 'json', partitions: 3, internal: true },
  flagged: { name: 'payments.flagged', format: 'json', partitions: 1, internal: true },
  accountsCdc: { name: 'accounts.cdc', format: 'json', partitions: 1 },
  dlq: { name: 'payments.dlq', format: 'bytes', partitions: 1 },
});
const tables = defineTables({
  accounts: { name: 'accounts', partitionKey: 'accountId' },
  merchants: { name: 'merchants', partitionKey: 'merchantId' },
});
const lake = defineBucket({ name: 'payments-lake' });
const index = defineIndex({ name: 'payments' });

const score = defineFlow({
  name: 'score-payments',
  source: {
    topic: topics.payments,
    filter: anyOf(where({ amount: { gt: 100 }, currency: 'EUR' }), where({ country: { in: ['NL', 'BE'] } })),
    provisionedPollers: { minimum: 1, maximum: 2 },
    errorHandling: { retryAttempts: 2, maximumRecordAgeSeconds: 60, splitBatchOnError: true },
  },
  steps: [
    enrich({
      table: tables.accounts,
      key: 'accountId',
      as: 'account',
      join: 'inner',
      onMissing: 'deadLetter',
    }),
    enrich({ table: tables.merchants, key: 'merchantId', as: 'merchant' }),
    map((value) => value, { name: 'score' }),
    route({
      name: 'risk-router',
      to: [topics.scored, topics.flagged],
      select: (value) => (value.score > 0.9 ? topics.flagged : topics.scored),
    }),
  ],
  outputs: [
    toTopic(topics.scored),
    toTopic(topics.flagged, { when: where({ 'account.risk': { prefix: 'high' } }) }),
  ],
  deadLetter: toTopic(topics.dlq),
});

const paymentsLake = defineFlow({
  name: 'payments-lake',
  source: {
    topic: topics.scored,
    filter: predicate('notATest', (record) => record.key !== 'test'),
    errorHandling: { onFailure: { arn: 'arn:aws:sqs:eu-west-1:123456789012:payments-lake-failed' } },
  },
  outputs: [toS3({ bucket: lake, prefix: 'payments/scored' })],
  deadLetter: toTopic(topics.dlq),
});

const accountsTable = defineFlow({
  name: 'accounts-table',
  source: { topic: topics.accountsCdc },
  outputs: [toTable(tables.accounts, { key: { partition: 'accountId' } })],
  deadLetter: toTopic(topics.dlq),
});

const search = defineFlow({
  name: 'payments-search',
  source: { topic: topics.scored },
  outputs: [
    toOpenSearch({
      index,
      id: (record) => String(record.key),
      when: where({ amount: { gte: 10, lt: 1000 }, note: { exists: true } }),
    }),
  ],
  deadLetter: toTopic(topics.dlq),
});

export const paymentsTopology = defineTopology({
  topics,
  tables,
  bucket: lake,
  index,
  flows: [score, paymentsLake, accountsTable, search],
});
