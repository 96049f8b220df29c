import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { presignedGet } from './presigned-url.ts';
import { credentialsFromEnv } from './role-credentials.ts';

/** Where the token lets the user in, and the region of the database (or RDS Proxy). */
export interface RdsAuthTokenOptions {
  /**
   * The RDS Proxy (or DB instance) endpoint the connection opens.
   * @example 'mart.proxy-abc.eu-west-1.rds.amazonaws.com'
   */
  readonly hostname: string;
  /**
   * The port the connection opens: part of the signed host, so it must be the one connected to.
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
 * signs, which a test compares byte for byte). Made on @smithy packages that the function bundle carries, rather
 * than by @aws-sdk/rds-signer, which the Lambda runtime is not documented to ship.
 * @example
 * const token = rdsAuthToken({ hostname, port: 5432, username: 'reviews_mart', region: 'eu-west-1' });
 * new pg.Pool({ host: hostname, port: 5432, user: 'reviews_mart', password: token });
 */
export const rdsAuthToken =
  (
    { hostname, port, username, region }: RdsAuthTokenOptions,
    { credentials = credentialsFromEnv() }: RdsAuthTokenDependencies = {},
  ): (() => Promise<string>) =>
  async () =>
    presignedGet({
      service: 'rds-db',
      region,
      hostname,
      port,
      query: { Action: 'connect', DBUser: username },
      expiresIn: ExpiresInSeconds,
      credentials: await credentials(),
    });
