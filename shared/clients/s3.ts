import type { S3Client } from '@aws-sdk/client-s3';
import { awsRegion, endpointFromEnv } from './endpoints.ts';

let client: Promise<S3Client> | undefined;

/**
 * The S3 client, created once per execution environment; `SLUICE_S3_ENDPOINT` points it at a local server.
 * The SDK is imported on first use, so a function that never writes to S3 never loads it.
 */
export const s3Client = (): Promise<S3Client> => {
  client ??= import('@aws-sdk/client-s3').then(({ S3Client }) => {
    const endpoint = endpointFromEnv('SLUICE_S3_ENDPOINT');
    return new S3Client({ region: awsRegion(), ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
  });
  return client;
};
