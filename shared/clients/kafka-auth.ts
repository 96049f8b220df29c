import type { SASLOptions } from 'kafkajs';
import { ConfigError } from '../errors.ts';

/**
 * How a producer authenticates. Only the mode and non-secret references live in configuration; the SCRAM
 * password is read from Secrets Manager at connect time and never logged.
 */
export type KafkaAuth =
  | { readonly mode: 'plaintext' }
  | { readonly mode: 'tls' }
  | { readonly mode: 'iam' }
  | { readonly mode: 'scram-sha-256' | 'scram-sha-512'; readonly secretArn: string };

export const KafkaAuthMode = {
  Plaintext: 'plaintext',
  Tls: 'tls',
  Iam: 'iam',
  ScramSha256: 'scram-sha-256',
  ScramSha512: 'scram-sha-512',
} as const;

export interface KafkaSecurity {
  readonly ssl: boolean;
  readonly sasl?: SASLOptions;
}

export interface KafkaAuthDeps {
  /** Region the MSK IAM token is signed for. */
  readonly region: string;
  /** An MSK IAM OAUTHBEARER token (msk-iam.ts). */
  readonly iamToken: (region: string) => Promise<string>;
  /** A secret string from Secrets Manager. */
  readonly readSecret: (secretArn: string) => Promise<string>;
}

/** Parses the MSK SCRAM secret format: `{"username": "...", "password": "..."}`. */
export const scramCredentials = (
  secretArn: string,
  secret: string,
): { username: string; password: string } => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new ConfigError(`kafka.auth.secretArn(${secretArn})`, 'the secret is not JSON');
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
    throw new ConfigError(
      `kafka.auth.secretArn(${secretArn})`,
      'the secret must hold "username" and "password"',
    );
  }
  return { username, password };
};

/** The kafkajs `ssl`/`sasl` settings for an auth mode. MSK IAM and SCRAM always run over TLS. */
export const kafkaSecurity = async (auth: KafkaAuth, deps: KafkaAuthDeps): Promise<KafkaSecurity> => {
  switch (auth.mode) {
    case 'plaintext':
      return { ssl: false };
    case 'tls':
      return { ssl: true };
    case 'iam':
      return {
        ssl: true,
        sasl: {
          mechanism: 'oauthbearer',
          // Called on every (re)authentication, so an expired token is replaced by a fresh one.
          oauthBearerProvider: async () => ({ value: await deps.iamToken(deps.region) }),
        },
      };
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const { username, password } = scramCredentials(auth.secretArn, await deps.readSecret(auth.secretArn));
      return { ssl: true, sasl: { mechanism: auth.mode, username, password } };
    }
  }
};

/**
 * The auth mode from the non-secret environment the deployment sets (`SLUICE_KAFKA_AUTH`,
 * `SLUICE_KAFKA_SECRET_ARN`); plaintext when unset, as for the local servers.
 */
export const kafkaAuthFromEnv = (env: NodeJS.ProcessEnv = process.env): KafkaAuth => {
  const mode = env.SLUICE_KAFKA_AUTH ?? 'plaintext';
  switch (mode) {
    case 'plaintext':
    case 'tls':
    case 'iam':
      return { mode };
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const secretArn = env.SLUICE_KAFKA_SECRET_ARN;
      if (!secretArn)
        throw new ConfigError('SLUICE_KAFKA_SECRET_ARN', `required when SLUICE_KAFKA_AUTH=${mode}`);
      return { mode, secretArn };
    }
    default:
      throw new ConfigError('SLUICE_KAFKA_AUTH', `unknown mode "${mode}"`);
  }
};
