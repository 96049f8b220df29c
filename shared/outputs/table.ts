import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import type { Filter } from '../filter/filter.ts';
import type { FlowRecord, ValueRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { fn, int, nameOf, oneOf, parseOptions, resourceName, text } from './options.ts';
import { limiterOf, rateLimitSchema } from './rate-limit-option.ts';
import { DEFAULT_DELETE_MARKER_TTL_SECONDS, type TablePlanOptions } from './table-items.ts';

const optionsSchema = z.strictObject({
  /**
   * Slow this output down to a rate (a token bucket per execution environment, shared by all its partitions;
   * Lambda's concurrency multiplies it). A wait that would pass the invocation's deadline fails the batch
   * (retriable) instead.
   * @default none
   * @example rateLimit: { perSecond: 500, burst: 1000 }
   */
  rateLimit: z.optional(rateLimitSchema),
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  when: z.optional(z.unknown()),
  /**
   * Key attribute names.
   * @default the declared table's `partitionKey`/`sortKey`
   * @example key: { partition: 'customerId' }
   */
  key: z.optional(z.strictObject({ partition: text(), sort: z.optional(text()) })),
  /**
   * The item for a record.
   * @default its value (a JSON object holding the key attributes)
   * @example item: (record) => ({ ...record.value, loadedAt: record.timestamp })
   */
  item: z.optional(fn<(record: FlowRecord) => Record<string, unknown>>()),
  /**
   * The key a tombstone deletes.
   * @default `{ [partition key]: record key }`
   * @example keyOf: (record) => ({ customerId: record.key })
   */
  keyOf: z.optional(fn<(record: FlowRecord) => Record<string, unknown>>()),
  /**
   * What a tombstone (a Kafka null value) does: `delete` the key's item, or `ignore` it. Not with `cdc`.
   * @default 'delete'
   * @example tombstones: 'ignore'
   */
  tombstones: z.optional(oneOf(['delete', 'ignore'])),
  /**
   * Read Debezium change events (`op` c, r, u, d; `before`/`after`/`source`/`ts_ms`, bare or under the JSON
   * converter's `{ schema, payload }`) instead of rows: `after` is upserted, `d` deletes (key from `before`, else
   * the record key), the Kafka tombstone after a delete is ignored, and every write is conditional on the
   * change's source position (`source.lsn`; without one `source.ts_ms`, then `ts_ms`, then the offset), stored
   * in `_sluice_pos`, so out-of-order and replayed changes converge. A delete leaves an item holding only the key,
   * the position and `_sluice_deleted: true` (enrich treats it as missing), so an older change arriving later
   * cannot bring the row back; it expires by DynamoDB TTL (`_sluice_expires`, see `deleteMarkerTtlSeconds`).
   * Not with `item`, `keyOf` or `tombstones`.
   * @default undefined (records are rows)
   * @example cdc: 'debezium'
   */
  cdc: z.optional(oneOf(['debezium'])),
  /**
   * With `cdc`: how long a delete's marker is kept, in seconds after the delete (its Kafka record time, or
   * Debezium's `ts_ms`/`source.ts_ms` if later). The marker carries `_sluice_expires` (epoch seconds), the table's
   * TTL attribute, which the CDK app enables; an upsert of the key replaces the marker and so drops it. Keep it
   * longer than any replay of the change topic can reach back (its retention), or an older change replayed after
   * the marker is gone brings the row back.
   * @default 604800 (7 days, Kafka's default `retention.ms`)
   * @example deleteMarkerTtlSeconds: 30 * 24 * 60 * 60
   */
  deleteMarkerTtlSeconds: z.optional(int(1)),
  /**
   * Write requests in flight at once: BatchWriteItem calls of up to 25 items, or with `cdc` single conditional
   * PutItem calls (so more of them).
   * @default 4, or 16 with `cdc`
   * @example concurrency: 8
   */
  concurrency: z.optional(int(1, 32)),
  /**
   * How long unprocessed or throttled items are retried before the batch fails (shortened near the deadline).
   * @default 30000
   * @example retryBudgetMs: 10_000
   */
  retryBudgetMs: z._default(int(0), 30_000),
});

/**
 * Options of `toTable`.
 * @typeParam V - the record value type: `item`, `keyOf` and `when` read it (with `cdc`, a change event)
 */
export type TableOutputOptions<V = Loose> = Omit<z.input<typeof optionsSchema>, 'when' | 'item' | 'keyOf'> & {
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  readonly when?: Filter<V>;
  /**
   * The item for a record.
   * @default its value (a JSON object holding the key attributes)
   * @example item: (record) => ({ ...record.value, loadedAt: record.source.timestamp })
   */
  readonly item?: (record: ValueRecord<V>) => Record<string, unknown>;
  /**
   * The key a tombstone deletes.
   * @default `{ [partition key]: record key }`
   * @example keyOf: (record) => ({ customerId: record.key })
   */
  readonly keyOf?: (record: FlowRecord<V>) => Record<string, unknown>;
};
export interface TableResources {
  readonly tables: readonly string[];
}

/** A table declared with defineTables (its keys are read from it), or a table name. */
export type TableTarget =
  | string
  | {
      readonly kind?: string;
      readonly name: string;
      readonly partitionKey?: unknown;
      readonly sortKey?: unknown;
    };

const declaredKey = (table: TableTarget): { partition: string; sort?: string } | undefined => {
  if (typeof table === 'string') return undefined;
  // A declared table (defineTables) names its keys as { name, type }; a plain string is accepted too.
  const { partitionKey, sortKey } = table as { partitionKey?: unknown; sortKey?: unknown };
  const attribute = (key: unknown): string | undefined =>
    typeof key === 'string'
      ? key
      : typeof (key as { name?: unknown })?.name === 'string'
        ? (key as { name: string }).name
        : undefined;
  const partition = attribute(partitionKey);
  if (!partition) return undefined;
  const sort = attribute(sortKey);
  return { partition, ...(sort ? { sort } : {}) };
};

const valueAsItem = (record: FlowRecord): Record<string, unknown> => record.value as Record<string, unknown>;

/**
 * A table output: its resources, plus what it writes for a record, as data (the flow test kit applies it).
 * @typeParam V - the record value type the output takes
 */
export type TableOutputSpec<V = Loose> = DeclaredOutput<'table', TableResources, V> & {
  readonly plan: TablePlanOptions & { readonly table: string };
};

/**
 * Load the flow's records into a DynamoDB table in upsert mode: last write per key, tombstone = delete; or, with
 * `cdc: 'debezium'`, a database's change stream, ordered by the source's position.
 * @typeParam V - the value type of the flow's records, which `item` and `keyOf` read
 * @example toTable(tables.customers, { cdc: 'debezium' })
 */
export const toTable = <V = Loose>(
  table: TableTarget,
  options: TableOutputOptions<V> = {},
): TableOutputSpec<V> => {
  const tableName = nameOf(parseOptions(resourceName, table, 'toTable(table)'));
  const path = `toTable(${tableName})`;
  const opts = parseOptions(optionsSchema, options, path);
  const key = opts.key ?? declaredKey(table);
  if (!key) throw new ConfigError(`${path}.key`, 'declare the key attributes ({ partition, sort? })');
  if (opts.cdc) {
    for (const option of ['item', 'keyOf', 'tombstones'] as const) {
      if (opts[option] !== undefined) {
        throw new ConfigError(
          `${path}.${option}`,
          "not with cdc: 'debezium' (the item is the change's after, the key its before or the record key)",
        );
      }
    }
  } else if (opts.deleteMarkerTtlSeconds !== undefined) {
    throw new ConfigError(
      `${path}.deleteMarkerTtlSeconds`,
      "only with cdc: 'debezium' (a plain table's deletes leave no marker)",
    );
  }
  const tombstones = opts.tombstones ?? 'delete';
  if (key.sort && !opts.keyOf && !opts.cdc && tombstones === 'delete') {
    throw new ConfigError(`${path}.keyOf`, 'a table with a sort key needs keyOf to delete on tombstones');
  }
  const name = `table:${tableName}`;
  const plan = {
    table: tableName,
    key,
    item: opts.item ?? valueAsItem,
    ...(opts.keyOf ? { keyOf: opts.keyOf } : {}),
    tombstones,
    ...(opts.cdc
      ? {
          cdc: opts.cdc,
          deleteMarkerTtlSeconds: opts.deleteMarkerTtlSeconds ?? DEFAULT_DELETE_MARKER_TTL_SECONDS,
        }
      : {}),
  };
  return {
    kind: 'table',
    name,
    ...whenOf(opts.when),
    resources: { tables: [tableName] },
    plan,
    create: () =>
      lazyOutput(name, async () => {
        const [{ dynamoDbClient }, { createTableWriter }] = await Promise.all([
          import('../clients/dynamodb.ts'),
          import('./table-writer.ts'),
        ]);
        const client = await dynamoDbClient();
        return createTableWriter({
          ...limiterOf(opts.rateLimit),
          name,
          ...plan,
          concurrency: opts.concurrency ?? (opts.cdc ? 16 : 4),
          retry: { baseMs: 50, maxDelayMs: 2_000, budgetMs: opts.retryBudgetMs },
          client: () => client,
        });
      }),
  };
};
