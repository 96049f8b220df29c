// Our RDS IAM auth token against @aws-sdk/rds-signer's (a dev dependency, the reference): same credentials, same
// clock, same bytes. No network: a token is a presigned URL made locally.
import { Signer } from '@aws-sdk/rds-signer';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rdsAuthToken } from '../../../shared/clients/rds-auth-token.ts';
import { credentialsFromEnv } from '../../../shared/clients/role-credentials.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { postgresConfigFromEnv } from '../../../shared/outputs/postgres-pool.ts';

const Now = new Date('2026-11-30T23:41:07.123Z');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Now);
});
afterEach(() => {
  vi.useRealTimers();
});

const cases = [
  {
    name: 'an RDS Proxy endpoint with a role session (session token)',
    hostname: 'mart.proxy-abc123.eu-west-1.rds.amazonaws.com',
    port: 5432,
    username: 'reviews_mart',
    region: 'eu-west-1',
    credentials: {
      accessKeyId: 'ASIAEXAMPLEKEY000001',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      // Real session tokens hold '/', '+' and '=', which the query escapes.
      sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQD+abc/def==',
    },
  },
  {
    name: 'a DB instance on another port and region with long-term keys',
    hostname: 'orders.cluster-xyz.us-east-2.rds.amazonaws.com',
    port: 6160,
    username: 'etl user+1',
    region: 'us-east-2',
    credentials: { accessKeyId: 'AKIAEXAMPLEKEY000002', secretAccessKey: 'c2VjcmV0+/secret=' },
  },
] as const;

describe('an RDS IAM auth token', () => {
  it.each(cases)('equals @aws-sdk/rds-signer’s byte for byte: $name', async (given) => {
    // Prepare
    const { credentials, ...endpoint } = given;
    const reference = new Signer({ ...endpoint, credentials });
    const ours = rdsAuthToken(endpoint, { credentials: async () => credentials });
    // Act
    const [token, expected] = await Promise.all([ours(), reference.getAuthToken()]);
    // Assess
    expect(token).toBe(expected);
  });

  it('is a presigned connect request for the host and port, valid 15 minutes, without its scheme', async () => {
    // Prepare
    const { credentials, ...endpoint } = cases[0];
    // Act
    const token = await rdsAuthToken(endpoint, { credentials: async () => credentials })();
    // Assess
    const url = new URL(`https://${token}`);
    expect(token.startsWith(`${endpoint.hostname}:5432/?Action=connect&DBUser=reviews_mart&`)).toBe(true);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261130T234107Z');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      `${credentials.accessKeyId}/20261130/eu-west-1/rds-db/aws4_request`,
    );
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
  });
});

describe('the default credentials are the execution role’s keys from the environment', () => {
  it('reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN', async () => {
    // Prepare
    const env = { AWS_ACCESS_KEY_ID: 'ASIA1', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' };
    // Act
    const credentials = await credentialsFromEnv(env)();
    // Assess
    expect(credentials).toEqual({ accessKeyId: 'ASIA1', secretAccessKey: 'secret', sessionToken: 'session' });
  });

  it.each([
    [{}, 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY'],
    [{ AWS_ACCESS_KEY_ID: 'ASIA1', AWS_SESSION_TOKEN: 'session' }, 'AWS_SECRET_ACCESS_KEY'],
    [{ AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' }, 'AWS_ACCESS_KEY_ID'],
  ])(
    'without the keys (%j) fails with a ConfigError naming %s, trying nothing else',
    async (env, missing) => {
      // Act
      const error = await credentialsFromEnv(env)().catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe(missing);
      expect((error as ConfigError).message).toContain(
        'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN',
      );
    },
  );
});

describe('the pool signs in with IAM', () => {
  const env = {
    SLUICE_POSTGRES_HOST: 'mart.proxy-abc123.eu-west-1.rds.amazonaws.com',
    SLUICE_POSTGRES_PORT: '5433',
    SLUICE_POSTGRES_DATABASE: 'mart',
    SLUICE_POSTGRES_USER: 'reviews_mart',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEKEY000001',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQD+abc/def==',
  };

  it('a new connection’s password is a token for the configured host, port and user', async () => {
    // Prepare
    const config = postgresConfigFromEnv(env);
    const reference = new Signer({
      hostname: env.SLUICE_POSTGRES_HOST,
      port: 5433,
      username: 'reviews_mart',
      region: 'eu-west-1',
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN,
      },
    });
    // Act
    const password = await (config.password as () => Promise<string>)();
    // Assess
    expect(password).toBe(await reference.getAuthToken());
    expect(password.startsWith(`${env.SLUICE_POSTGRES_HOST}:5433/?Action=connect&DBUser=reviews_mart&`)).toBe(
      true,
    );
  });

  it('without the execution role’s keys the password is a ConfigError naming them', async () => {
    // Prepare
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, ...withoutKeys } = env;
    const config = postgresConfigFromEnv(withoutKeys);
    // Act
    const error = await (config.password as () => Promise<string>)().catch((e: unknown) => e);
    // Assess
    expect((error as ConfigError).path).toBe('AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
  });
});
