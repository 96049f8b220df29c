import type { SQSClient } from '@aws-sdk/client-sqs';
import { awsRegion, endpointFromEnv } from './endpoints.ts';

let client: Promise<SQSClient> | undefined;

/**
 * The SQS client, created once per execution environment; `SLUICE_SQS_ENDPOINT` points it at a local server (moto).
 * The SDK is imported on first use.
 */
export const sqsClient = (): Promise<SQSClient> => {
  client ??= import('@aws-sdk/client-sqs').then(({ SQSClient }) => {
    const endpoint = endpointFromEnv('SLUICE_SQS_ENDPOINT');
    return new SQSClient({ region: awsRegion(), ...(endpoint ? { endpoint } : {}) });
  });
  return client;
};
