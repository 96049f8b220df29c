/** Non-secret client settings from the environment; unset endpoints mean the real AWS service. */
export const awsRegion = (env: NodeJS.ProcessEnv = process.env): string =>
  env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';

export const endpointFromEnv = (variable: string, env: NodeJS.ProcessEnv = process.env): string | undefined =>
  env[variable]?.trim() || undefined;
