import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { toPostgres } from '../../../shared/outputs/postgres.ts';
import { planPostgresWrites } from '../../../shared/outputs/postgres-plan.ts';
import { postgresConfigFromEnv } from '../../../shared/outputs/postgres-pool.ts';
import { deleteSql, quoteTable, upsertSql } from '../../../shared/outputs/postgres-sql.ts';
import { createPostgresWriter, isRowError, isTransient } from '../../../shared/outputs/postgres-writer.ts';
import { flowRecord } from './records.ts';

const planOptions = {
  key: ['review_id'],
  row: (r: { value: unknown }) => r.value,
  keyOf: (r: { key: string | null }) => ({ review_id: r.key }),
  tombstones: 'delete' as const,
};

const loadError = (make: () => unknown): ConfigError => {
  try {
    make();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
};

describe('toPostgres options are checked at load time', () => {
  it.each([
    [{ table: 'facts' }, 'toPostgres(facts).key'],
    [{ table: 'a.b.c', key: 'id' }, 'toPostgres(a.b.c).table'],
    [{ table: 'facts', key: 'id', colums: ['id'] }, 'toPostgres(facts)'],
    [{ table: 'facts', key: 'id', columns: ['rating'] }, 'toPostgres(facts).columns'],
    [{ table: 'facts', key: 'id', orderBy: 'v', columns: ['id'] }, 'toPostgres(facts).columns'],
    [{ table: 'facts', key: ['a', 'b'] }, 'toPostgres(facts).keyOf'],
    [{ table: 'facts', key: 'x'.repeat(64) }, 'toPostgres(facts).key'],
  ])('%j fails naming %s', (options, path) => {
    // Act
    const error = loadError(() => toPostgres(options as never));
    // Assess
    expect(error.path).toBe(path);
  });

  it('declares the table it writes for the CDK grants and the runner', () => {
    // Act
    const spec = toPostgres({ table: 'mart.review_facts', key: 'review_id', orderBy: 'updated_at' });
    // Assess
    expect(spec).toMatchObject({
      kind: 'postgres',
      name: 'postgres:mart.review_facts',
      resources: { postgresTables: ['mart.review_facts'] },
      key: ['review_id'],
      orderBy: 'updated_at',
    });
  });
});

describe('a batch is planned as one write per key, in source order', () => {
  it('keeps the last upsert per key, deletes a key whose last record is a tombstone, and deletes then upserts a key written again', () => {
    // Prepare
    const records = [
      flowRecord({ offset: 0, key: 'a', value: { review_id: 'a', rating: 1 } }),
      flowRecord({ offset: 1, key: 'b', value: { review_id: 'b', rating: 1 } }),
      flowRecord({ offset: 2, key: 'a', value: { review_id: 'a', rating: 2 } }),
      flowRecord({ offset: 3, key: 'b', value: null }),
      flowRecord({ offset: 4, key: 'c', value: null }),
      flowRecord({ offset: 5, key: 'c', value: { review_id: 'c', rating: 5 } }),
    ];
    // Act
    const plan = planPostgresWrites(records, planOptions);
    // Assess
    expect(plan.deletes.map((d) => [d.record.source.offset, d.json])).toEqual([
      [3, '{"review_id":"b"}'],
      [4, '{"review_id":"c"}'],
    ]);
    expect(plan.upserts.map((u) => u.record.source.offset)).toEqual([2, 5]);
    expect(plan.rejected).toEqual([]);
  });

  it('with an ordering column sends every upsert after the key’s last tombstone, for the database to compare', () => {
    // Prepare
    const records = [0, 1, 2].map((offset) =>
      flowRecord({ offset, key: 'a', value: { review_id: 'a', version: 3 - offset } }),
    );
    // Act
    const plan = planPostgresWrites(records, { ...planOptions, orderBy: 'version' });
    // Assess
    expect(plan.upserts.map((u) => u.record.source.offset)).toEqual([0, 1, 2]);
  });

  it('rejects, per record, a row that is not an object, a missing or null key, and a value JSON cannot write', () => {
    // Prepare
    const records = [
      flowRecord({ offset: 0, value: [1, 2] }),
      flowRecord({ offset: 1, value: { rating: 1 } }),
      flowRecord({ offset: 2, value: { review_id: '', rating: 1 } }),
      { ...flowRecord({ offset: 3, value: { review_id: 'big' } }), value: { review_id: 'big', n: 10n } },
      flowRecord({ offset: 4, key: null, value: null }),
      flowRecord({ offset: 5, value: { review_id: 'fine' } }),
    ];
    // Act
    const plan = planPostgresWrites(records, planOptions);
    // Assess
    expect(plan.rejected.map(([r, e]) => [r.source.offset, e.message])).toEqual([
      [0, 'the row must be an object'],
      [1, 'key column "review_id" must be a non-empty string, a number or a boolean, got nothing'],
      [2, 'key column "review_id" must be a non-empty string, a number or a boolean, got ""'],
      [3, 'the row cannot be written as JSON: Do not know how to serialize a BigInt'],
      [4, 'key column "review_id" must be a non-empty string, a number or a boolean, got null'],
    ]);
    expect(plan.upserts.map((u) => u.record.source.offset)).toEqual([5]);
  });
});

describe('statements hold only quoted identifiers; record content is the one JSON parameter', () => {
  it('quotes every identifier, doubling quotes inside it', () => {
    // Act / Assess
    expect(quoteTable('mart.re"views')).toBe('"mart"."re""views"');
    expect(deleteSql({ table: 'facts', key: ['a', 'b'] })).toBe(
      'DELETE FROM "facts" AS t USING jsonb_populate_recordset(NULL::"facts", $1::jsonb) AS d WHERE t."a" = d."a" AND t."b" = d."b"',
    );
  });

  it('guards an upsert with the ordering column and reduces a key’s rows to its greatest in the statement', () => {
    // Act
    const sql = upsertSql({ table: 'facts', columns: ['id', 'rating', 'v'], key: ['id'], orderBy: 'v' });
    // Assess
    expect(sql).toBe(
      'INSERT INTO "facts" AS t ("id", "rating", "v") SELECT "id", "rating", "v" FROM (SELECT DISTINCT ON ("id") * FROM jsonb_populate_recordset(NULL::"facts", $1::jsonb) WITH ORDINALITY AS r ORDER BY "id", "v" DESC NULLS LAST, ordinality DESC) AS r ON CONFLICT ("id") DO UPDATE SET "rating" = EXCLUDED."rating", "v" = EXCLUDED."v" WHERE t."v" IS NULL OR EXCLUDED."v" >= t."v" RETURNING 1',
    );
  });
});

describe('database errors are sorted into the record’s fault and the infrastructure’s', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });

  it.each([
    ['23502', 'not null violation', true, false],
    ['22P02', 'invalid text representation', true, false],
    ['23505', 'unique violation on another constraint', true, false],
    ['08006', 'connection failure', false, true],
    ['53300', 'too many connections', false, true],
    ['57P01', 'admin shutdown (restart, failover)', false, true],
    ['40001', 'serialization failure', false, true],
    ['42P01', 'undefined table', false, false],
    ['28P01', 'wrong password', false, false],
  ])('%s (%s): dead letter %s, retried in place %s', (code, _what, row, transient) => {
    // Act / Assess
    expect([isRowError(withCode(code)), isTransient(withCode(code))]).toEqual([row, transient]);
  });

  it('retries in place an error with no SQLSTATE: a refused, reset or closed connection', () => {
    // Act / Assess
    expect(isTransient(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
});

describe('the database turning the flow away for load', () => {
  it('is counted as throttling for the output’s alarm, retried, and the batch still written', async () => {
    // Prepare: a fake pool (no local server can be made to refuse connections on cue without starving the
    // other tests' connections): too many connections, then the pool's own wait timing out, then the upsert.
    const answers: unknown[] = [
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      new Error('timeout exceeded when trying to connect'),
    ];
    const pool = {
      query: async () => {
        const next = answers.shift();
        if (next) throw next;
        return { rowCount: 1, rows: [] };
      },
    };
    const writer = createPostgresWriter({
      ...planOptions,
      name: 'postgres:review_facts',
      table: 'review_facts',
      columns: ['review_id'],
      pool: async () => pool,
      rowsPerStatement: 500,
      maxStatementBytes: 1_000_000,
      retry: { baseMs: 1, maxDelayMs: 2, budgetMs: 5_000 },
    });

    // Act
    const result = await writer.write([flowRecord({ key: 'r-1', value: { review_id: 'r-1' } })], {
      flowName: 'reviews-mart',
    });

    // Assess
    expect(result).toEqual({ written: 1, deadLetters: [], throttled: 2 });
  });
});

describe('the flow reaches its database as the environment says', () => {
  it('uses a connection string locally', () => {
    // Act / Assess
    expect(postgresConfigFromEnv({ SLUICE_POSTGRES_URL: 'postgres://u@127.0.0.1:5433' })).toEqual({
      connectionString: 'postgres://u@127.0.0.1:5433',
      auth: 'url',
    });
  });

  it('signs in through RDS Proxy with an IAM token over verified TLS by default', () => {
    // Act
    const config = postgresConfigFromEnv({
      SLUICE_POSTGRES_HOST: 'mart.proxy-abc.eu-west-1.rds.amazonaws.com',
      SLUICE_POSTGRES_DATABASE: 'mart',
      SLUICE_POSTGRES_USER: 'reviews_mart',
      AWS_REGION: 'eu-west-1',
    });
    // Assess
    expect(config).toMatchObject({
      auth: 'iam',
      host: 'mart.proxy-abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      user: 'reviews_mart',
      ssl: { rejectUnauthorized: true },
    });
    expect(typeof config.password).toBe('function');
  });

  it.each([
    [{}, 'SLUICE_POSTGRES_HOST'],
    [{ SLUICE_POSTGRES_HOST: 'h' }, 'SLUICE_POSTGRES_DATABASE'],
    [{ SLUICE_POSTGRES_HOST: 'h', SLUICE_POSTGRES_DATABASE: 'd' }, 'SLUICE_POSTGRES_USER'],
    [
      { SLUICE_POSTGRES_HOST: 'h', SLUICE_POSTGRES_DATABASE: 'd', SLUICE_POSTGRES_AUTH: 'secret' },
      'SLUICE_POSTGRES_SECRET_ARN',
    ],
    [
      { SLUICE_POSTGRES_HOST: 'h', SLUICE_POSTGRES_DATABASE: 'd', SLUICE_POSTGRES_AUTH: 'pw' },
      'SLUICE_POSTGRES_AUTH',
    ],
    [
      { SLUICE_POSTGRES_HOST: 'h', SLUICE_POSTGRES_PORT: '99999', SLUICE_POSTGRES_DATABASE: 'd' },
      'SLUICE_POSTGRES_PORT',
    ],
  ])('a missing or bad setting %j is a ConfigError naming %s', (env, variable) => {
    // Act
    const error = loadError(() => postgresConfigFromEnv(env));
    // Assess
    expect(error.path).toBe(variable);
  });
});
