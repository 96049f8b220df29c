/**
 * The `postgres` key of the outputs benchmark: toPostgres's writer (multi-row upserts from one JSON parameter)
 * against one parameterised `INSERT … ON CONFLICT` per record, same server, same run. Also how a batch with one
 * bad row is settled: the writer's bisection against per-row savepoints in one transaction (the other way to
 * find the row), side by side.
 */
import pg from 'pg';
import type { Output } from '../shared/outputs/output.ts';
import { createPostgresWriter, type PostgresQueryable } from '../shared/outputs/postgres-writer.ts';
import type { FlowRecord } from '../shared/record.ts';

export interface PostgresFigures {
  readonly batched: { recordsPerSec: number; requestsPer1000: number };
  readonly naive: { recordsPerSec: number; requestsPer1000: number };
  /** A batch of `badRowBatch` records with one row the table refuses (NOT NULL). */
  readonly badRow: {
    readonly batch: number;
    readonly bisect: { ms: number; statements: number };
    readonly savepoints: { ms: number; statements: number };
  };
}

const columns = ['review_id', 'customer_id', 'rating', 'title', 'created_at', 'customer_tier'] as const;
const rowOf = (record: FlowRecord) => {
  const v = record.value as Record<string, unknown> & { customer?: { tier?: string } };
  return {
    review_id: v.reviewId,
    customer_id: v.customerId,
    rating: v.rating,
    title: v.title,
    created_at: v.createdAt,
    customer_tier: v.customer?.tier ?? null,
  };
};

const ddl = (table: string) =>
  `CREATE TABLE ${table} (review_id text PRIMARY KEY, customer_id text NOT NULL, rating smallint NOT NULL, title text, created_at timestamptz NOT NULL, customer_tier text)`;

const timed = async (work: () => Promise<void>): Promise<number> => {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

export const benchPostgres = async (
  url: string,
  run: string,
  records: (n: number, topic?: string) => FlowRecord[],
  writeBatches: (output: Output, all: readonly FlowRecord[], size: number) => Promise<void>,
  n: number,
  size: number,
  naiveN: number,
): Promise<PostgresFigures> => {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  let sent = 0;
  const counted: PostgresQueryable = {
    query: async (text, values) => {
      sent += 1;
      const result = await pool.query(text, [...values]);
      return { rowCount: result.rowCount, rows: result.rows };
    },
  };
  const table = `${run}_facts`;
  const naiveTable = `${run}_facts_naive`;
  await pool.query(ddl(table));
  await pool.query(ddl(naiveTable));
  const writer = (name: string) =>
    createPostgresWriter({
      name: `postgres:${name}`,
      table: name,
      key: ['review_id'],
      columns,
      row: rowOf,
      keyOf: (r) => ({ review_id: r.key }),
      tombstones: 'delete',
      pool: async () => counted,
      rowsPerStatement: 500,
      maxStatementBytes: 4 * 1024 * 1024,
      retry: { baseMs: 100, maxDelayMs: 2_000, budgetMs: 10_000 },
    });
  const output = writer(table);
  await writeBatches(output, records(10, 'warmup'), 10);
  let before = sent;
  const batchedMs = await timed(() => writeBatches(output, records(n), size));
  const batched = { recordsPerSec: (n * 1000) / batchedMs, requestsPer1000: ((sent - before) * 1000) / n };

  const insert = `INSERT INTO ${naiveTable} (${columns.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (review_id) DO UPDATE SET ${columns
    .slice(1)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ')}`;
  const insertEach = async (all: readonly FlowRecord[]) => {
    for (const record of all) {
      const row = rowOf(record);
      await counted.query(
        insert,
        columns.map((c) => row[c]),
      );
    }
  };
  await insertEach(records(10, 'warmup'));
  before = sent;
  const naiveMs = await timed(() => insertEach(records(naiveN)));
  const naive = {
    recordsPerSec: (naiveN * 1000) / naiveMs,
    requestsPer1000: ((sent - before) * 1000) / naiveN,
  };

  // One bad row in the middle of a batch: NOT NULL customer_id missing.
  const badBatch = records(size, 'bad').map((r, i) =>
    i === Math.floor(size / 2) ? { ...r, value: { ...(r.value as object), customerId: null } } : r,
  );
  const bisectTable = `${run}_facts_bisect`;
  const savepointTable = `${run}_facts_savepoint`;
  await pool.query(ddl(bisectTable));
  await pool.query(ddl(savepointTable));
  before = sent;
  let dead = 0;
  const bisectMs = await timed(async () => {
    dead = (await writer(bisectTable).write(badBatch, { flowName: 'bench' })).deadLetters.length;
  });
  if (dead !== 1) throw new Error(`bisect: expected 1 dead letter, got ${dead}`);
  const bisect = { ms: Math.round(bisectMs), statements: sent - before };

  const client = await pool.connect();
  let statements = 0;
  const savepointMs = await timed(async () => {
    const q = async (text: string, values: unknown[] = []) => {
      statements += 1;
      return client.query(text, values);
    };
    const one = insert.replace(naiveTable, savepointTable);
    await q('BEGIN');
    for (const record of badBatch) {
      const row = rowOf(record);
      await q('SAVEPOINT r');
      try {
        await q(
          one,
          columns.map((c) => row[c]),
        );
        await q('RELEASE SAVEPOINT r');
      } catch {
        await q('ROLLBACK TO SAVEPOINT r');
      }
    }
    await q('COMMIT');
  });
  client.release();
  await pool.query(`DROP TABLE ${table}, ${naiveTable}, ${bisectTable}, ${savepointTable}`);
  await pool.end();
  return {
    batched,
    naive,
    badRow: { batch: size, bisect, savepoints: { ms: Math.round(savepointMs), statements } },
  };
};
