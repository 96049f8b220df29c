import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

let client: SecretsManagerClient | undefined;

/** The Secrets Manager client, created once per execution environment. */
export const secretsManagerClient = async (): Promise<SecretsManagerClient> => {
  if (client) return client;
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  client ??= new SecretsManagerClient({ region: process.env.AWS_REGION });
  return client;
};

/** Reads a secret string. The value is returned to the caller only: never logged, never put in env. */
export const readSecret = async (
  secretArn: string,
  secrets:
    | Pick<SecretsManagerClient, 'send'>
    | Promise<Pick<SecretsManagerClient, 'send'>> = secretsManagerClient(),
): Promise<string> => {
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const result = await (await secrets).send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (result.SecretString === undefined) throw new Error(`secret ${secretArn} has no string value`);
  return result.SecretString;
};
