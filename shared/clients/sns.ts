import type { SNSClient } from '@aws-sdk/client-sns';
import { awsRegion, endpointFromEnv } from './endpoints.ts';

let client: Promise<SNSClient> | undefined;

/**
 * The SNS client, created once per execution environment; `SLUICE_SNS_ENDPOINT` points it at a local server (moto).
 * The SDK is imported on first use.
 */
export const snsClient = (): Promise<SNSClient> => {
  client ??= import('@aws-sdk/client-sns').then(({ SNSClient }) => {
    const endpoint = endpointFromEnv('SLUICE_SNS_ENDPOINT');
    return new SNSClient({ region: awsRegion(), ...(endpoint ? { endpoint } : {}) });
  });
  return client;
};
