import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import { type DeclaredOutput, lazyOutput } from './declared.ts';
import { fn, nameOf, parseOptions, type ResourceRef, resourceName } from './options.ts';

const optionsSchema = z.strictObject({
  when: z.unknown().optional(),
  /** Key attribute names; default the declared table's `partitionKey`/`sortKey`. */
  key: z.strictObject({ partition: z.string().min(1), sort: z.string().min(1).optional() }).optional(),
  /** The item for a record; default its value (a JSON object holding the key attributes). */
  item: fn<(record: FlowRecord) => Record<string, unknown>>().optional(),
  /** The key a tombstone deletes; default `{ [partition key]: record key }`. */
  keyOf: fn<(record: FlowRecord) => Record<string, unknown>>().optional(),
  tombstones: z.enum(['delete', 'ignore']).default('delete'),
  concurrency: z.number().int().min(1).max(32).default(4),
  /** How long unprocessed or throttled items are retried before the batch fails (shortened near the deadline). */
  retryBudgetMs: z.number().int().min(0).default(30_000),
});

export type TableOutputOptions = z.input<typeof optionsSchema>;
export interface TableResources {
  readonly table: string;
}

const declaredKey = (table: ResourceRef): { partition: string; sort?: string } | undefined => {
  if (typeof table === 'string') return undefined;
  const { partitionKey, sortKey } = table as { partitionKey?: unknown; sortKey?: unknown };
  if (typeof partitionKey !== 'string') return undefined;
  return { partition: partitionKey, ...(typeof sortKey === 'string' ? { sort: sortKey } : {}) };
};

const valueAsItem = (record: FlowRecord): Record<string, unknown> => record.value as Record<string, unknown>;

/** Load the flow's records into a DynamoDB table in upsert mode: last write per key, tombstone = delete. */
export const toTable = (
  table: ResourceRef,
  options: TableOutputOptions = {},
): DeclaredOutput<'table', TableResources> => {
  const tableName = nameOf(parseOptions(resourceName, table, 'toTable(table)'));
  const path = `toTable(${tableName})`;
  const opts = parseOptions(optionsSchema, options, path);
  const key = opts.key ?? declaredKey(table);
  if (!key) throw new ConfigError(`${path}.key`, 'declare the key attributes ({ partition, sort? })');
  if (key.sort && !opts.keyOf && opts.tombstones === 'delete') {
    throw new ConfigError(`${path}.keyOf`, 'a table with a sort key needs keyOf to delete on tombstones');
  }
  const name = `table:${tableName}`;
  return {
    kind: 'table',
    name,
    ...(opts.when === undefined ? {} : { when: opts.when }),
    resources: { table: tableName },
    create: () =>
      lazyOutput(name, async () => {
        const [{ dynamoDbClient }, { createTableWriter }] = await Promise.all([
          import('../clients/dynamodb.ts'),
          import('./table-writer.ts'),
        ]);
        return createTableWriter({
          name,
          table: tableName,
          key,
          item: opts.item ?? valueAsItem,
          ...(opts.keyOf ? { keyOf: opts.keyOf } : {}),
          tombstones: opts.tombstones,
          concurrency: opts.concurrency,
          retry: { baseMs: 50, maxDelayMs: 2_000, budgetMs: opts.retryBudgetMs },
          client: dynamoDbClient,
        });
      }),
  };
};
