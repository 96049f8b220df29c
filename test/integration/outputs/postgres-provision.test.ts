import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { flowUserUrl } from '../../../local/runner/postgres.ts';
import { readState } from '../../../local/services/state.ts';
import { toPostgres } from '../../../shared/outputs/postgres.ts';
import { provisionMart } from '../../../shared/outputs/postgres-provision.ts';
import { uniqueName } from '../../support/endpoints.ts';
import { flowRecord } from '../../unit/outputs/records.ts';

const adminUrl = (): string => {
  const endpoint = readState().postgres?.endpoint;
  if (!endpoint) throw new Error('postgres is not running: start it with npm run servers -- up postgres');
  return endpoint;
};
const admin = new pg.Pool({ connectionString: adminUrl(), max: 2 });
admin.on('error', () => {});
const identifier = (prefix: string) => uniqueName(prefix).replaceAll('-', '_');
// One flows' user for the file: the output's pool, like a deployed flow's, is built from the environment.
const user = identifier('mart_user');
process.env.SLUICE_POSTGRES_URL = flowUserUrl(adminUrl(), user);

const factsDdl = (table: string) =>
  `CREATE TABLE IF NOT EXISTS ${table} (review_id text PRIMARY KEY, rating integer NOT NULL)`;

/** What the flows' user gets from PostgreSQL when it tries `sql`: the SQLSTATE of its refusal, or 'ok'. */
const asFlowUser = async (sql: string): Promise<string> => {
  const client = new pg.Client({ connectionString: flowUserUrl(adminUrl(), user) });
  await client.connect();
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end();
  }
};

const review = (offset: number, id: string, rating: number | null) =>
  flowRecord({
    topic: 'reviews.enriched',
    partition: 0,
    offset,
    key: id,
    value: rating === null ? null : { review_id: id, rating },
  });

describe('provisioning a mart for toPostgres flows on a real PostgreSQL server', () => {
  afterAll(async () => {
    await admin.end();
  });

  it("creates the flows' tables and a user that upserts and deletes their rows through toPostgres", async () => {
    // Prepare
    const table = identifier('facts');
    // Act
    const created = await provisionMart(admin, { tables: [{ table, ddl: factsDdl(table) }], user });
    const result = await toPostgres({ table, key: 'review_id' })
      .create()
      .write([review(0, 'r1', 5), review(1, 'r2', 3), review(2, 'r1', 4), review(3, 'r2', null)], {
        flowName: 'reviews-mart',
      });
    // Assess
    expect(created).toEqual([table]);
    expect(result.deadLetters).toEqual([]);
    expect((await admin.query(`SELECT review_id, rating FROM ${table}`)).rows).toEqual([
      { review_id: 'r1', rating: 4 },
    ]);
  });

  it('gives that user nothing else: no DDL, no TRUNCATE, no other table, no new role', async () => {
    // Prepare
    const table = identifier('facts');
    const other = identifier('other');
    await admin.query(`CREATE TABLE ${other} (id int)`);
    await provisionMart(admin, { tables: [{ table, ddl: factsDdl(table) }], user });
    // Act
    const refusals = {
      create: await asFlowUser(`CREATE TABLE ${identifier('new')} (id int)`),
      drop: await asFlowUser(`DROP TABLE ${table}`),
      alter: await asFlowUser(`ALTER TABLE ${table} ADD COLUMN extra text`),
      truncate: await asFlowUser(`TRUNCATE ${table}`),
      readOther: await asFlowUser(`SELECT * FROM ${other}`),
      createRole: await asFlowUser(`CREATE ROLE ${identifier('role')}`),
      ownTable: await asFlowUser(`SELECT count(*) FROM ${table}`),
    };
    // Assess: 42501 is insufficient_privilege; 42501 also for DROP/ALTER by a non-owner.
    expect(refusals).toEqual({
      create: '42501',
      drop: '42501',
      alter: '42501',
      truncate: '42501',
      readOther: '42501',
      createRole: '42501',
      ownTable: 'ok',
    });
  });

  it('runs again without change to the rows, and rolls back whole when a table without DDL is missing', async () => {
    // Prepare
    const table = identifier('facts');
    const tables = [{ table, ddl: factsDdl(table) }];
    await provisionMart(admin, { tables, user });
    await admin.query(`INSERT INTO ${table} VALUES ('r1', 5)`);
    const missing = identifier('missing');
    const created = identifier('created');
    // Act
    const again = await provisionMart(admin, { tables, user });
    const failure = await provisionMart(admin, {
      tables: [{ table: created, ddl: factsDdl(created) }, { table: missing }],
      user,
    }).catch((error: Error) => error);
    // Assess
    expect(again).toEqual([table]);
    expect((await admin.query(`SELECT review_id, rating FROM ${table}`)).rows).toEqual([
      { review_id: 'r1', rating: 5 },
    ]);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain(missing);
    expect((await admin.query('SELECT to_regclass($1) AS found', [created])).rows).toEqual([{ found: null }]);
  });
});
