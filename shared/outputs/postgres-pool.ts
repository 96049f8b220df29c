import type { Pool, PoolConfig } from 'pg';
import { awsRegion, endpointFromEnv } from '../clients/endpoints.ts';
import { rdsAuthToken } from '../clients/rds-auth-token.ts';
import { credentialsFromEnv } from '../clients/role-credentials.ts';
import { readSecret } from '../clients/secrets.ts';
import { ConfigError } from '../errors.ts';

/** How the flow signs in: an IAM auth token (through RDS Proxy), a Secrets Manager secret, or the URL's own. */
export type PostgresAuth = 'iam' | 'secret' | 'url';

/**
 * Where the flow's database is, from its environment (set by the CDK app, or by the local runner):
 * - `SLUICE_POSTGRES_URL`: a connection string (local servers; any password in it is the URL's);
 * - else `SLUICE_POSTGRES_HOST` (the RDS Proxy endpoint), `SLUICE_POSTGRES_PORT` (5432),
 *   `SLUICE_POSTGRES_DATABASE`, `SLUICE_POSTGRES_USER`, and `SLUICE_POSTGRES_AUTH` `iam` (an RDS IAM auth token
 *   for each new connection, signed by ../clients/rds-auth-token.ts with the execution role's keys from
 *   `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` of the same environment; missing keys are a
 *   ConfigError when a connection opens) or `secret` (`SLUICE_POSTGRES_SECRET_ARN`, a JSON secret with
 *   `username` and `password`, as RDS writes them). TLS is required then, verified against Node's CAs (RDS
 *   Proxy presents an Amazon Trust Services certificate).
 */
export const postgresConfigFromEnv = (
  env: NodeJS.ProcessEnv = process.env,
): PoolConfig & { auth: PostgresAuth } => {
  const url = endpointFromEnv('SLUICE_POSTGRES_URL', env);
  if (url) return { connectionString: url, auth: 'url' };
  const host = endpointFromEnv('SLUICE_POSTGRES_HOST', env);
  if (!host) throw new ConfigError('SLUICE_POSTGRES_HOST', 'not set (nor SLUICE_POSTGRES_URL)');
  const need = (name: string): string => {
    const value = endpointFromEnv(name, env);
    if (!value) throw new ConfigError(name, 'not set');
    return value;
  };
  const port = Number(env.SLUICE_POSTGRES_PORT ?? 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError('SLUICE_POSTGRES_PORT', `"${env.SLUICE_POSTGRES_PORT}" is not a port`);
  const database = need('SLUICE_POSTGRES_DATABASE');
  const auth = env.SLUICE_POSTGRES_AUTH ?? 'iam';
  const ssl = { rejectUnauthorized: true, servername: host };
  if (auth === 'iam') {
    const user = need('SLUICE_POSTGRES_USER');
    const token = rdsAuthToken(
      { hostname: host, port, username: user, region: awsRegion(env) },
      { credentials: credentialsFromEnv(env) },
    );
    return {
      host,
      port,
      database,
      user,
      ssl,
      auth,
      // pg asks for the password on every new connection: a token lives 15 minutes, a connection longer.
      password: token,
    };
  }
  if (auth === 'secret') {
    const secretArn = need('SLUICE_POSTGRES_SECRET_ARN');
    let credentials: Promise<{ username: string; password: string }> | undefined;
    const read = () => {
      credentials ??= readSecret(secretArn)
        .then((text) => JSON.parse(text) as { username: string; password: string })
        .catch((error: unknown) => {
          credentials = undefined;
          throw error;
        });
      return credentials;
    };
    const user = endpointFromEnv('SLUICE_POSTGRES_USER', env);
    return {
      host,
      port,
      database,
      ssl,
      auth,
      ...(user ? { user } : {}),
      password: async () => (await read()).password,
    };
  }
  throw new ConfigError('SLUICE_POSTGRES_AUTH', `unknown mode "${auth}" (iam or secret)`);
};

const pools = new Map<string, Promise<Pool>>();

/**
 * One small pool per execution environment (per connection settings), reused across warm invocations: a Lambda
 * environment runs one invocation at a time, so two connections serve a batch's deletes and upserts; RDS
 * Proxy multiplexes the many environments onto the database's connections.
 */
export const postgresPool = (env: NodeJS.ProcessEnv = process.env): Promise<Pool> => {
  const { auth, ...config } = postgresConfigFromEnv(env);
  const id = JSON.stringify({ ...config, password: undefined, auth });
  let pool = pools.get(id);
  if (!pool) {
    pool = import('pg').then(({ default: pg }) => {
      const created = new pg.Pool({
        ...config,
        max: 2,
        idleTimeoutMillis: 60_000,
        connectionTimeoutMillis: 5_000,
        // A user that is a flow's own: recognisable in pg_stat_activity.
        application_name: env.AWS_LAMBDA_FUNCTION_NAME ?? 'sluice',
      });
      // An idle connection the server closes (restart, failover, proxy idle timeout) is dropped by the pool;
      // without a listener its 'error' event would end the process.
      created.on('error', () => {});
      return created;
    });
    pools.set(id, pool);
  }
  return pool;
};
