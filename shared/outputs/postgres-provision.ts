import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../topology/topology.ts';
import type { PostgresOutputSpec } from './postgres.ts';
import { quoteIdent, quoteTable } from './postgres-sql.ts';

/*
 * What a database needs before `toPostgres` flows write it: their tables (each from its DDL file) and one
 * database user for the flows that may read and write those tables' rows and nothing else. The same statements
 * run locally (`npm start`, whose flows then sign in as that user) and on AWS (the data stack's mart-schema
 * custom resource, signed in as the cluster's administrator), so the local pipeline proves the grants suffice.
 */

/** The database user `toPostgres` flows sign in as, unless a deployment names another. */
export const MartFlowUser = 'sluice_mart';

/**
 * What a `toPostgres` output does to its table: upsert (`INSERT … ON CONFLICT DO UPDATE`, which reads the
 * conflicting row, so SELECT too) and delete on a tombstone. No DDL, no TRUNCATE, no other table.
 */
export const MartFlowPrivileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/** A table a flow writes and the DDL that creates it (`CREATE … IF NOT EXISTS`), if the project has one. */
export interface MartTable {
  readonly table: string;
  /** `<sql dir>/<table>.sql`; absent: the table must exist already (an existing database's). */
  readonly ddl?: string;
}

/** The PostgreSQL tables the topology's flows write (`toPostgres`), in declaration order. */
export const martTablesOf = (topology: Topology): string[] => [
  ...new Set(
    topology.flows.flatMap((flow) =>
      flow.outputs.filter((o) => o.kind === 'postgres').map((o) => (o as PostgresOutputSpec).table),
    ),
  ),
];

/** Each table the topology writes with its DDL from `<sqlDir>/<table>.sql` when that file exists. */
export const martTablesWithDdl = (topology: Topology, sqlDir: string): MartTable[] =>
  martTablesOf(topology).map((table) => {
    const file = join(sqlDir, `${table}.sql`);
    return existsSync(file) ? { table, ddl: readFileSync(file, 'utf8') } : { table };
  });

/** The one thing provisioning needs of a connection: pg's Client and PoolClient both fit. */
export interface SqlSession {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface MartProvisioning {
  readonly tables: readonly MartTable[];
  /**
   * The flows' database user: created with LOGIN and nothing else (no superuser, no CREATEDB, no CREATEROLE).
   * @default MartFlowUser
   */
  readonly user?: string;
  /**
   * The user's password, set on every run (a rotated secret takes effect on the next deploy). Absent: the user
   * has none, as a trust-authenticated local server or an IAM-only database wants.
   */
  readonly password?: string;
  /**
   * Also grant `rds_iam`, so the user signs in to the database itself with IAM tokens (not through a proxy).
   * @default false
   */
  readonly rdsIam?: boolean;
}

/** The schemas of the tables: `schema.table`'s, `public` for a bare name. */
const schemasOf = (tables: readonly MartTable[]): string[] => [
  ...new Set(
    tables.map(({ table }) => (table.includes('.') ? table.slice(0, table.indexOf('.')) : 'public')),
  ),
];

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * The statements that create the tables and the flows' user and grant it `MartFlowPrivileges` on those tables
 * only, in order. Identifiers are quoted; the password is a quoted literal (CREATE ROLE takes no parameters).
 */
export const martProvisioningSql = (
  provisioning: MartProvisioning,
  userExists: boolean,
  database: string,
): string[] => {
  const user = quoteIdent(provisioning.user ?? MartFlowUser);
  const password = provisioning.password === undefined ? '' : ` PASSWORD ${literal(provisioning.password)}`;
  const role = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
  return [
    userExists ? `ALTER ROLE ${user} WITH ${role}${password}` : `CREATE ROLE ${user} WITH ${role}${password}`,
    ...provisioning.tables.flatMap((t) => (t.ddl ? [t.ddl] : [])),
    `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${user}`,
    ...schemasOf(provisioning.tables).map(
      (schema) => `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${user}`,
    ),
    ...provisioning.tables.map(
      (t) => `GRANT ${MartFlowPrivileges.join(', ')} ON TABLE ${quoteTable(t.table)} TO ${user}`,
    ),
    ...(provisioning.rdsIam ? [`GRANT rds_iam TO ${user}`] : []),
  ];
};

/**
 * Creates the tables and the flows' user in one transaction, as the database's administrator: run again, it
 * changes nothing but the password (DDL is `IF NOT EXISTS`, grants are idempotent). Returns the tables created
 * from a DDL file. A table without DDL that does not exist fails the GRANT, naming it.
 */
export const provisionMart = async (
  session: SqlSession,
  provisioning: MartProvisioning,
): Promise<string[]> => {
  const user = provisioning.user ?? MartFlowUser;
  await session.query('BEGIN');
  try {
    // Two first runs at once (a local start beside a test) would both try CREATE ROLE: one waits for the other.
    await session.query("SELECT pg_advisory_xact_lock(hashtext('sluice:mart-provisioning'))");
    const found = await session.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
    const { rows } = await session.query('SELECT current_database() AS name');
    const database = (rows[0] as { name: string }).name;
    for (const statement of martProvisioningSql(provisioning, found.rows.length > 0, database))
      await session.query(statement);
    await session.query('COMMIT');
  } catch (error) {
    await session.query('ROLLBACK').catch(() => {});
    throw error;
  }
  return provisioning.tables.flatMap((t) => (t.ddl ? [t.table] : []));
};
