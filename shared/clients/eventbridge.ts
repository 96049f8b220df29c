import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { awsRegion, endpointFromEnv } from './endpoints.ts';

let client: Promise<EventBridgeClient> | undefined;

/**
 * The EventBridge client, created once per execution environment; `SLUICE_EVENTBRIDGE_ENDPOINT` points it at a local server (moto).
 * The SDK is imported on first use.
 */
export const eventBridgeClient = (): Promise<EventBridgeClient> => {
  client ??= import('@aws-sdk/client-eventbridge').then(({ EventBridgeClient }) => {
    const endpoint = endpointFromEnv('SLUICE_EVENTBRIDGE_ENDPOINT');
    return new EventBridgeClient({ region: awsRegion(), ...(endpoint ? { endpoint } : {}) });
  });
  return client;
};
