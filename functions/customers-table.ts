import { handlerFor } from '../shared/handler/index.ts';
import { toTable } from '../shared/outputs/table.ts';
import { toTopic } from '../shared/outputs/topic.ts';
import { defineFlow } from '../shared/topology/index.ts';
import { tables, topics } from './resources.ts';

/** Tables are topics: the customer change stream materialised into the table enrichment reads. */
export const flow = defineFlow({
  name: 'customers-table',
  description: 'Loads customers.cdc into the customers table (upsert; tombstone = delete)',
  source: { topic: topics.customersCdc, batchSize: 1000 },
  outputs: [toTable(tables.customers, { key: { partition: 'customerId' } })],
  deadLetter: toTopic(topics.customersDeadLetters),
});

export const handler = handlerFor(flow);
