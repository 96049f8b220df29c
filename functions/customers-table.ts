import { defineFlow, handlerFor, toTable, toTopic } from '../shared/index.ts';
import { tables, topics } from './resources.ts';

/**
 * Tables are topics: the customers table of the shop's database, captured by Debezium, materialised into the
 * table enrichment reads. Changes apply in the database's order (`source.lsn`), whatever order they arrive in.
 */
export const flow = defineFlow({
  name: 'customers-table',
  description: 'Loads the Debezium change stream customers.cdc into the customers table, in source order',
  source: { topic: topics.customersCdc, batchSize: 1000 },
  deadLetter: toTopic(topics.customersDeadLetters),
}).to(toTable(tables.customers, { key: { partition: 'customerId' }, cdc: 'debezium' }));

export const handler = handlerFor(flow);
