import { Sha256 } from '@smithy/core/checksum';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigError } from '../errors.ts';

/** The variables Lambda sets in every function's environment from its execution role. */
const KeyVariables = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/**
 * The execution role's credentials, read from the environment on each call (Lambda documents the three variables
 * for every function). Nothing else is tried: the default provider chain lives in @aws-sdk packages the runtime
 * is not documented to ship. Missing keys are a ConfigError naming the variables. `AWS_SESSION_TOKEN` is optional
 * (long-term keys have none); Lambda always sets it.
 */
export const credentialsFromEnv =
  (env: NodeJS.ProcessEnv = process.env): AwsCredentialIdentityProvider =>
  async () => {
    const [accessKeyId, secretAccessKey, sessionToken] = KeyVariables.map(
      (name) => env[name]?.trim() || undefined,
    );
    if (!accessKeyId || !secretAccessKey) {
      const missing = KeyVariables.slice(0, 2).filter((name) => !env[name]?.trim());
      throw new ConfigError(
        missing.join(', '),
        `not set: an RDS IAM auth token is signed with the execution role's keys from ${KeyVariables.join(', ')}`,
      );
    }
    return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  };

/** Where the token lets the user in, and the region of the database (or RDS Proxy). */
export interface RdsAuthTokenOptions {
  /**
   * The RDS Proxy (or DB instance) endpoint the connection opens.
   * @example 'mart.proxy-abc.eu-west-1.rds.amazonaws.com'
   */
  readonly hostname: string;
  /**
   * The port the connection opens: part of the signed host, so it must be the one connected to.
   * @default none (required)
   * @example 5432
   */
  readonly port: number;
  /**
   * The database user, which must have been granted `rds_iam`.
   * @example 'reviews_mart'
   */
  readonly username: string;
  /**
   * The region of the endpoint, the signature's scope.
   * @example 'eu-west-1'
   */
  readonly region: string;
}

/** What the signer needs from outside, injected so tests fix them. */
export interface RdsAuthTokenDependencies {
  /**
   * The identity that signs.
   * @default credentialsFromEnv() (the execution role's keys)
   */
  readonly credentials?: AwsCredentialIdentityProvider;
}

/** A token lives 15 minutes, the longest RDS accepts; it is checked only when a connection opens. */
const ExpiresInSeconds = 900;

/**
 * Makes RDS IAM auth tokens for one endpoint and user: a SigV4-presigned `GET https://<host>:<port>/?Action=connect
 * &DBUser=<user>` for the service `rds-db`, without its `https://` (the request @aws-sdk/rds-signer's `Signer`
 * signs, which a test compares byte for byte). Written on @smithy packages that the function bundle carries,
 * rather than @aws-sdk/rds-signer, which the Lambda runtime is not documented to ship.
 * @example
 * const token = rdsAuthToken({ hostname, port: 5432, username: 'reviews_mart', region: 'eu-west-1' });
 * new pg.Pool({ host: hostname, port: 5432, user: 'reviews_mart', password: token });
 */
export const rdsAuthToken = (
  { hostname, port, username, region }: RdsAuthTokenOptions,
  { credentials = credentialsFromEnv() }: RdsAuthTokenDependencies = {},
): (() => Promise<string>) => {
  const signer = new SignatureV4({ service: 'rds-db', region, credentials, sha256: Sha256 });
  return async () => {
    const request = new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname,
      port,
      query: { Action: 'connect', DBUser: username },
      // The host header carries the port: RDS checks the signature against the endpoint and port connected to.
      headers: { host: `${hostname}:${port}` },
    });
    const signed = await signer.presign(request, { expiresIn: ExpiresInSeconds });
    return `${signed.hostname}:${signed.port}${signed.path}?${buildQueryString(signed.query ?? {})}`;
  };
};
