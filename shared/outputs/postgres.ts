import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import type { Filter } from '../filter/filter.ts';
import type { FlowRecord, ValueRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { fn, int, oneOf, parseOptions, text } from './options.ts';

/** PostgreSQL's identifiers: at most 63 bytes (NAMEDATALEN - 1), no NUL. */
const identifier = () =>
  text().check(
    z.refine((value) => Buffer.byteLength(value) <= 63 && !value.includes('\0'), {
      error: 'must be an identifier of at most 63 bytes',
    }),
  );

const optionsSchema = z.strictObject({
  /**
   * The table written, `table` or `schema.table` (its name as created: identifiers are quoted, so case matters).
   * @example table: 'review_facts'
   */
  table: z.string({ error: 'expected a table name' }).check(
    z.refine(
      (value) =>
        /^[^.]+(\.[^.]+)?$/.test(value) &&
        value.split('.').every((p) => Buffer.byteLength(p) <= 63 && !p.includes('\0')),
      {
        error: 'must be table or schema.table, each at most 63 bytes',
      },
    ),
  ),
  /**
   * The key column(s): the table's primary key, or a unique constraint over exactly these columns
   * (`ON CONFLICT` needs one). A row without a value for each is dead-lettered.
   * @example key: 'review_id'
   */
  key: z.union([identifier(), z.array(identifier()).check(z.minLength(1, { error: 'must not be empty' }))]),
  /**
   * The columns a row sets (a property the row lacks is written as NULL).
   * @default the table's columns, read from the catalog once per execution environment (less generated columns)
   * @example columns: ['review_id', 'rating', 'customer_tier']
   */
  columns: z.optional(z.array(identifier()).check(z.minLength(1, { error: 'must not be empty' }))),
  /**
   * An ordering column (a version, an update time): a row replaces the stored one only when its value is equal or
   * greater, and within a batch the greatest per key wins, so replays and out-of-order delivery converge. Compared
   * by the database, in the column's type. A tombstone's delete is not ordered.
   * @default undefined (the last write per key in source order wins)
   * @example orderBy: 'updated_at'
   */
  orderBy: z.optional(identifier()),
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  when: z.optional(z.unknown()),
  /**
   * The row for a record: an object whose properties are column names.
   * @default its value
   * @example row: (record) => ({ review_id: record.value.reviewId, rating: record.value.rating })
   */
  row: z.optional(fn<(record: FlowRecord) => Record<string, unknown>>()),
  /**
   * The key columns of the row a tombstone deletes.
   * @default `{ [key]: record key }` (a single key column)
   * @example keyOf: (record) => ({ review_id: record.key })
   */
  keyOf: z.optional(fn<(record: FlowRecord) => Record<string, unknown>>()),
  /**
   * What a tombstone (a Kafka null value) does: `delete` the key's row, or `ignore` it.
   * @default 'delete'
   * @example tombstones: 'ignore'
   */
  tombstones: z._default(oneOf(['delete', 'ignore']), 'delete'),
  /**
   * Rows per statement. A statement refused for one row's content is bisected to find it.
   * @default 500
   * @example rowsPerStatement: 1000
   */
  rowsPerStatement: z._default(int(1, 10_000), 500),
  /**
   * How long connection problems (lost connection, failover, too many connections) are retried before the batch
   * fails (shortened near the invocation's deadline).
   * @default 10000
   * @example retryBudgetMs: 30_000
   */
  retryBudgetMs: z._default(int(0), 10_000),
});

/**
 * Options of `toPostgres`.
 * @typeParam V - the record value type: `row`, `keyOf` and `when` read it
 */
export type PostgresOutputOptions<V = Loose> = Omit<
  z.input<typeof optionsSchema>,
  'when' | 'row' | 'keyOf'
> & {
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  readonly when?: Filter<V>;
  /**
   * The row for a record: an object whose properties are column names.
   * @default its value
   * @example row: (record) => ({ review_id: record.value.reviewId, rating: record.value.rating })
   */
  readonly row?: (record: ValueRecord<V>) => Record<string, unknown>;
  /**
   * The key columns of the row a tombstone deletes.
   * @default `{ [key]: record key }` (a single key column)
   * @example keyOf: (record) => ({ review_id: record.key })
   */
  readonly keyOf?: (record: FlowRecord<V>) => Record<string, unknown>;
};

export interface PostgresResources {
  /** The table written, in the flow's database (one per deployment; see postgres-pool.ts). */
  readonly postgresTables: readonly string[];
}

/** A PostgreSQL output: its resources and its write plan's settings, as data. */
export type PostgresOutputSpec<V = Loose> = DeclaredOutput<'postgres', PostgresResources, V> & {
  readonly table: string;
  readonly key: readonly string[];
  readonly columns?: readonly string[];
  readonly orderBy?: string;
};

/**
 * Upsert the flow's records into a PostgreSQL table (a data mart fed from Kafka): batched
 * `INSERT … ON CONFLICT (key) DO UPDATE`, the last write per key (or the greatest `orderBy`), tombstone = delete.
 * The database is the deployment's (RDS Proxy with IAM auth or a secret; locally the `postgres` server).
 * @typeParam V - the value type of the flow's records, which `row` and `keyOf` read
 * @example toPostgres({ table: 'review_facts', key: 'review_id', orderBy: 'updated_at' })
 */
export const toPostgres = <V = Loose>(options: PostgresOutputOptions<V>): PostgresOutputSpec<V> => {
  const table = typeof (options as { table?: unknown })?.table === 'string' ? options.table : '?';
  const path = `toPostgres(${table})`;
  const opts = parseOptions(optionsSchema, options, path);
  const key = typeof opts.key === 'string' ? [opts.key] : opts.key;
  if (opts.columns) {
    for (const column of [...key, ...(opts.orderBy ? [opts.orderBy] : [])]) {
      if (!opts.columns.includes(column))
        throw new ConfigError(`${path}.columns`, `must include "${column}" (a key or ordering column)`);
    }
  }
  if (key.length > 1 && !opts.keyOf && opts.tombstones === 'delete') {
    throw new ConfigError(`${path}.keyOf`, 'a composite key needs keyOf to delete on tombstones');
  }
  const name = `postgres:${opts.table}`;
  const [first] = key as [string];
  const plan = {
    key,
    row: (opts.row ?? ((record: FlowRecord) => record.value)) as (record: FlowRecord) => unknown,
    keyOf: opts.keyOf ?? ((record: FlowRecord) => ({ [first]: record.key })),
    tombstones: opts.tombstones,
    ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
  };
  return {
    kind: 'postgres',
    name,
    ...whenOf(opts.when),
    resources: { postgresTables: [opts.table] },
    table: opts.table,
    key,
    ...(opts.columns ? { columns: opts.columns } : {}),
    ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
    create: () =>
      lazyOutput(name, async () => {
        const [{ postgresPool }, { createPostgresWriter }] = await Promise.all([
          import('./postgres-pool.ts'),
          import('./postgres-writer.ts'),
        ]);
        return createPostgresWriter({
          name,
          table: opts.table,
          ...plan,
          ...(opts.columns ? { columns: opts.columns } : {}),
          pool: () => postgresPool(),
          rowsPerStatement: opts.rowsPerStatement,
          maxStatementBytes: 4 * 1024 * 1024,
          retry: { baseMs: 100, maxDelayMs: 2_000, budgetMs: opts.retryBudgetMs },
        });
      }),
  };
};
