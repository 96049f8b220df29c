import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { presignedGet } from './presigned-url.ts';
import { credentialsFromEnv } from './role-credentials.ts';

/** The longest an MSK IAM token may live, and its lifetime when the credentials do not expire sooner. */
const MaxExpiresInSeconds = 900;

/** What the token names as its maker (unsigned; MSK reads it as a client's user agent). */
export const MskUserAgent = 'sluice-msk-iam';

/**
 * An MSK IAM OAUTHBEARER token: a SigV4-presigned `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster
 * %3AConnect` (service `kafka-cluster`, valid 15 minutes or until the credentials expire), with a `User-Agent`
 * parameter added after signing, base64url encoded without padding: the token aws-msk-iam-sasl-signer-js makes,
 * which a test compares byte for byte. Made on bundled @smithy packages: the library reaches
 * @aws-sdk/credential-providers, client-sts and util-format-url, which the Lambda runtime is not documented to ship.
 * @default credentials: the execution role's keys from the environment (credentialsFromEnv)
 */
export const mskIamToken = async (
  region: string,
  credentials: AwsCredentialIdentityProvider = credentialsFromEnv(),
  userAgent: string = MskUserAgent,
): Promise<string> => {
  const identity = await credentials();
  const expiresIn =
    identity.expiration === undefined
      ? MaxExpiresInSeconds
      : Math.min(Math.floor((identity.expiration.getTime() - Date.now()) / 1000), MaxExpiresInSeconds);
  const url = await presignedGet({
    service: 'kafka-cluster',
    region,
    hostname: `kafka.${region}.amazonaws.com`,
    query: { Action: 'kafka-cluster:Connect' },
    expiresIn,
    credentials: identity,
    unsignedQuery: { 'User-Agent': userAgent },
  });
  return Buffer.from(`https://${url}`, 'utf8').toString('base64url');
};
