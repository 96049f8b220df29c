import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigError } from '../errors.ts';

/** The variables Lambda sets in every function's environment from its execution role. */
export const RoleKeyVariables = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/**
 * The execution role's credentials, read from the environment on each call (Lambda documents the three variables
 * for every function). Nothing else is tried: the default provider chain lives in @aws-sdk packages the runtime
 * is not documented to ship. Missing keys are a ConfigError naming the variables. `AWS_SESSION_TOKEN` is optional
 * (long-term keys have none); Lambda always sets it.
 */
export const credentialsFromEnv =
  (env: NodeJS.ProcessEnv = process.env): AwsCredentialIdentityProvider =>
  async () => {
    const [accessKeyId, secretAccessKey, sessionToken] = RoleKeyVariables.map(
      (name) => env[name]?.trim() || undefined,
    );
    if (!accessKeyId || !secretAccessKey) {
      const missing = RoleKeyVariables.slice(0, 2).filter((name) => !env[name]?.trim());
      throw new ConfigError(
        missing.join(', '),
        `not set: IAM auth tokens (RDS, MSK) are signed with the execution role's keys from ${RoleKeyVariables.join(', ')}`,
      );
    }
    return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  };
