import { describe, expect, it } from 'vitest';
import { flowUserUrl } from '../../../local/runner/postgres.ts';
import { MartFlowUser, martProvisioningSql } from '../../../shared/outputs/postgres-provision.ts';

describe('the mart provisioning statements', () => {
  it('create the user with login only, run each DDL, and grant row rights on the named tables alone', () => {
    // Act
    const sql = martProvisioningSql(
      { tables: [{ table: 'review_facts', ddl: 'CREATE TABLE IF NOT EXISTS review_facts (id text)' }] },
      false,
      'mart',
    );
    // Assess
    expect(sql).toEqual([
      `CREATE ROLE "${MartFlowUser}" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
      'CREATE TABLE IF NOT EXISTS review_facts (id text)',
      `GRANT CONNECT ON DATABASE "mart" TO "${MartFlowUser}"`,
      `GRANT USAGE ON SCHEMA "public" TO "${MartFlowUser}"`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "review_facts" TO "${MartFlowUser}"`,
    ]);
  });

  it('alter an existing user, quote a password with a quote in it, and grant rds_iam and other schemas when asked', () => {
    // Act
    const sql = martProvisioningSql(
      { tables: [{ table: 'marts.facts' }], user: 'flows', password: "it's", rdsIam: true },
      true,
      'mart',
    );
    // Assess
    expect(sql).toEqual([
      `ALTER ROLE "flows" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD 'it''s'`,
      'GRANT CONNECT ON DATABASE "mart" TO "flows"',
      'GRANT USAGE ON SCHEMA "marts" TO "flows"',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "marts"."facts" TO "flows"',
      'GRANT rds_iam TO "flows"',
    ]);
  });
});

describe("local flows' database URL", () => {
  it("is the server's, as the flows' user on the administrator's database", () => {
    expect(flowUserUrl('postgres://postgres@127.0.0.1:5433')).toBe(
      `postgres://${MartFlowUser}@127.0.0.1:5433/postgres`,
    );
    expect(flowUserUrl('postgres://admin:secret@127.0.0.1:5433/mart', 'flows')).toBe(
      'postgres://flows@127.0.0.1:5433/mart',
    );
  });
});
