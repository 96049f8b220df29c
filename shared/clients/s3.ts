import { S3Client } from '@aws-sdk/client-s3';
import { awsRegion, endpointFromEnv } from './endpoints.ts';

let client: S3Client | undefined;

/** The S3 client, created once per execution environment; `SLUICE_S3_ENDPOINT` points it at a local server. */
export const s3Client = (): S3Client => {
  if (client) return client;
  const endpoint = endpointFromEnv('SLUICE_S3_ENDPOINT');
  client = new S3Client({
    region: awsRegion(),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
  return client;
};
