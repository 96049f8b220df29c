/** Local servers accept any credentials; the SDK still needs some, and a region. */
export const localAwsConfig = (endpoint: string) =>
  ({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  }) as const;
