import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { readState } from '../../../local/services/state.ts';
import { runCli } from '../../support/cli.ts';
import { uniqueName } from '../../support/endpoints.ts';

const server = readState().postgres?.endpoint ?? 'postgres://missing';
const admin = new pg.Pool({ connectionString: server, max: 1 });
admin.on('error', () => {});
const on = (database: string) => {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
};

describe('npm run mart-sql: the SQL that prepares an existing database for the flows', () => {
  afterAll(async () => {
    await admin.end();
  });

  it("creates the reference mart's table and the flows' user with row rights, and runs again unchanged", async () => {
    // Prepare: an empty database, as an operator's new one.
    const database = uniqueName('mart').replaceAll('-', '_');
    await admin.query(`CREATE DATABASE ${database}`);
    const user = uniqueName('ops_flows').replaceAll('-', '_');
    // Act
    const printed = await runCli('local/tools/mart-sql.ts', [database, '--user', user], {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const client = new pg.Client({ connectionString: on(database) });
    await client.connect();
    try {
      await client.query(printed.output);
      await client.query(printed.output);
      const grants = await client.query(
        `SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) AS privileges
           FROM information_schema.role_table_grants WHERE grantee = $1 GROUP BY table_name`,
        [user],
      );
      // Assess
      expect(printed.code).toBe(0);
      expect(grants.rows).toEqual([
        { table_name: 'review_facts', privileges: 'DELETE,INSERT,SELECT,UPDATE' },
      ]);
    } finally {
      await client.end();
      await admin.query(`DROP DATABASE ${database}`);
    }
  });

  it('refuses a missing database argument with the usage line, exit code 2', async () => {
    // Act
    const run = await runCli('local/tools/mart-sql.ts', [], {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    // Assess
    expect(run.code).toBe(2);
    expect(run.output).toContain('usage: npm run mart-sql -- <database>');
  });
});
