import { join } from 'node:path';
import { loadTopologyModule } from '../../cdk/topology-module.ts';
import {
  MartFlowUser,
  martProvisioningSql,
  martTablesWithDdl,
} from '../../shared/outputs/postgres-provision.ts';
import { toolArgs, usageError } from './args.ts';

/**
 * npm run mart-sql -- <database> [--user <name>] [--rds-iam]: the SQL that prepares an existing database for the
 * topology's `toPostgres` flows, for an operator to run as its administrator (psql -f -): the flows' tables from
 * `<functions>/sql/<table>.sql` and the flows' user with rights on those tables' rows only. It is what the data
 * stack's mart-schema custom resource runs on the database it creates. With --rds-iam the user may sign in to the
 * database itself with IAM tokens; through RDS Proxy, register a secret with this user's password on the proxy.
 */
const usage = 'usage: npm run mart-sql -- <database> [--user <name>] [--rds-iam]';
const { values, positionals } = toolArgs(
  process.argv.slice(2),
  usage,
  { user: { type: 'string' }, 'rds-iam': { type: 'boolean' } },
  { min: 1, max: 1 },
);
const [database] = positionals as [string];
const { topology, functionsDir } = await loadTopologyModule();
const tables = martTablesWithDdl(topology, join(functionsDir, 'sql'));
if (tables.length === 0) usageError(usage, 'no flow of the topology writes PostgreSQL (toPostgres)');
const user = values.user ?? MartFlowUser;
console.log(
  `-- Sluice: the ${tables.map((t) => t.table).join(', ')} mart for user ${user}; run as the administrator.`,
);
console.log(`-- The user is created without a password: set one (ALTER ROLE … PASSWORD) or use --rds-iam.`);
console.log(
  `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${user.replaceAll("'", "''")}') THEN`,
);
const [createRole, ...rest] = martProvisioningSql(
  { tables, user, rdsIam: values['rds-iam'] ?? false },
  false,
  database,
);
console.log(`  ${createRole}; END IF; END $$;`);
for (const statement of rest) console.log(`${statement.trimEnd().replace(/;$/, '')};`);
