import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readState } from '../../../local/services/state.ts';
import { isRetriable } from '../../../shared/errors.ts';
import type { Output, OutputContext } from '../../../shared/outputs/output.ts';
import { type PostgresOutputOptions, toPostgres } from '../../../shared/outputs/postgres.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { uniqueName } from '../../support/endpoints.ts';
import { startService, stopService } from '../../support/servers.ts';
import { flowRecord } from '../../unit/outputs/records.ts';
import { deliver, sleep } from './support.ts';

const url = (): string => {
  const endpoint = readState().postgres?.endpoint;
  if (!endpoint) throw new Error('postgres is not running: start it with npm run servers -- up postgres');
  return endpoint;
};
// The output's own pool reads this, as a deployed flow reads what the CDK app sets.
process.env.SLUICE_POSTGRES_URL = url();
const admin = new pg.Pool({ connectionString: url(), max: 2 });
admin.on('error', () => {});
const context: OutputContext = { flowName: 'reviews-mart' };

/** A review fact table: the key, a NOT NULL integer, free text, and an ordering column. */
const createTable = async (): Promise<string> => {
  const table = uniqueName('facts').replaceAll('-', '_');
  await admin.query(
    `CREATE TABLE ${table} (review_id text PRIMARY KEY, rating integer NOT NULL, body text, version bigint)`,
  );
  return table;
};

const rowsOf = async (table: string): Promise<Record<string, unknown>[]> =>
  (await admin.query(`SELECT review_id, rating, body, version FROM ${table} ORDER BY review_id`)).rows;

const review = (offset: number, value: Record<string, unknown> | null, key?: string): FlowRecord =>
  flowRecord({
    topic: 'reviews.enriched',
    partition: 0,
    offset,
    key: key ?? (value?.review_id as string | undefined) ?? null,
    value,
  });

/** 300 changes over 120 reviews, every 7th a tombstone: the state a one-by-one consumer leaves is known. */
const changes = (): FlowRecord[] =>
  Array.from({ length: 300 }, (_, offset) => {
    const id = `r${String(offset % 120).padStart(3, '0')}`;
    return offset % 7 === 6
      ? review(offset, null, id)
      : review(offset, { review_id: id, rating: 1 + (offset % 5), body: `text ${offset}`, version: offset });
  });

const expectedState = (records: readonly FlowRecord[]) => {
  const state = new Map<string, Record<string, unknown>>();
  for (const r of records) {
    if (r.value === null) state.delete(r.key ?? '');
    else
      state.set(r.key ?? '', {
        ...(r.value as object),
        version: String((r.value as { version: number }).version),
      });
  }
  return [...state.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, row]) => row);
};

const output = (
  table: string,
  options: Omit<PostgresOutputOptions, 'table'> = { key: 'review_id' },
): Output => toPostgres({ table, ...options }).create();

describe('toPostgres on a real PostgreSQL server', () => {
  beforeAll(async () => {
    await admin.query('SELECT 1');
  });
  afterAll(async () => {
    await admin.end();
  });

  it('converges to the change stream: last write per key, tombstones delete, in few statements', async () => {
    // Prepare
    const table = await createTable();
    const records = changes();
    // Act
    const result = await output(table).write(records, context);
    // Assess
    expect(result.deadLetters).toEqual([]);
    expect(result.written).toBe(records.length);
    expect(await rowsOf(table)).toEqual(expectedState(records));
  });

  it('dead-letters a row violating NOT NULL or its column type with the database reason, and writes the rest', async () => {
    // Prepare
    const table = await createTable();
    const good = Array.from({ length: 40 }, (_, i) => review(i, { review_id: `ok${i}`, rating: 4 }));
    const noRating = review(40, { review_id: 'no-rating', body: 'forgot the rating' });
    const wordRating = review(41, { review_id: 'word-rating', rating: 'five' });
    const records = [...good.slice(0, 13), noRating, ...good.slice(13, 31), wordRating, ...good.slice(31)];
    // Act
    const result = await output(table).write(records, context);
    // Assess
    expect(result.deadLetters.map((d) => [d.record.key, d.stage, d.component])).toEqual([
      ['no-rating', 'output', `postgres:${table}`],
      ['word-rating', 'output', `postgres:${table}`],
    ]);
    const [notNull, badType] = result.deadLetters.map((d) => d.error);
    expect(notNull?.message).toMatch(/23502 null value in column "rating"/);
    expect(badType?.message).toMatch(/22P02 invalid input syntax for type integer: "five"/);
    expect(result.deadLetters.every((d) => !isRetriable(d.error))).toBe(true);
    expect(result.written).toBe(40);
    expect((await rowsOf(table)).map((r) => r.review_id).sort()).toEqual(good.map((r) => r.key).sort());
  });

  it('dead-letters a record whose key column is missing, never sending it', async () => {
    // Prepare
    const table = await createTable();
    const records = [
      review(0, { review_id: 'r1', rating: 5 }),
      review(1, { rating: 3, body: 'no id' }, 'k'),
      review(2, { review_id: null, rating: 3 }, 'k2'),
    ];
    // Act
    const result = await output(table).write(records, context);
    // Assess
    expect(result.deadLetters.map((d) => [d.record.source.offset, d.error.message])).toEqual([
      [1, 'key column "review_id" must be a non-empty string, a number or a boolean, got nothing'],
      [2, 'key column "review_id" must be a non-empty string, a number or a boolean, got null'],
    ]);
    expect((await rowsOf(table)).map((r) => r.review_id)).toEqual(['r1']);
  });

  it('converges under replays and out-of-order delivery with an ordering column: newer wins, no duplicate rows', async () => {
    // Prepare: three versions of 50 reviews, delivered newest batch first, then everything replayed.
    const table = await createTable();
    const version = (v: number) =>
      Array.from({ length: 50 }, (_, i) =>
        review(v * 50 + i, { review_id: `r${i}`, rating: 1 + ((i + v) % 5), body: `v${v}`, version: v }),
      );
    const [v1, v2, v3] = [version(1), version(2), version(3)];
    const write = output(table, { key: 'review_id', orderBy: 'version' });
    // Act
    const newestFirst = await write.write([...v3, ...v1], context);
    const late = await write.write(v2, context);
    await write.write([...v1, ...v2, ...v3], context);
    // Assess
    expect(newestFirst.deadLetters).toEqual([]);
    expect(late.replayed).toBe(50);
    const rows = await rowsOf(table);
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.body === 'v3' && r.version === '3')).toBe(true);
    const { rows: count } = await admin.query(
      `SELECT count(*)::int AS n, count(DISTINCT review_id)::int AS d FROM ${table}`,
    );
    expect(count[0]).toEqual({ n: 50, d: 50 });
  });

  it('fails retriably while the database restarts mid-batch, then loses nothing and duplicates nothing', async () => {
    // Prepare: 8 batches of 1,000 changes over 3,000 reviews, 10 rows a statement (100 statements a batch), no retry in place, so
    // the restart reaches the mapping as a failed batch.
    const table = await createTable();
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 1_000 }, (_, i) => {
        const offset = b * 1_000 + i;
        const id = `r${offset % 3_000}`;
        return review(offset, {
          review_id: id,
          rating: 1 + (offset % 5),
          body: `o${offset}`,
          version: offset,
        });
      }),
    );
    const write = output(table, { key: 'review_id', rowsPerStatement: 10, retryBudgetMs: 0 });
    let restarted: Promise<void> | undefined;
    // Act: while batch 3 is being written, the server is stopped (its sessions end) and started again.
    const delivery = await deliver(
      batches,
      async (records) => {
        if (records === batches[3] && !restarted) {
          restarted = (async () => {
            await sleep(20);
            await stopService('postgres');
            await sleep(1_000);
            await startService('postgres');
          })();
        }
        return write.write(records, context);
      },
      { retryEveryMs: 300 },
    );
    await restarted;
    // Assess
    expect(delivery.failures.length).toBeGreaterThan(0);
    expect(delivery.failures.every(isRetriable)).toBe(true);
    const all = batches.flat();
    expect(await rowsOf(table)).toEqual(expectedState(all));
  });
});
