import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsRegion, endpointFromEnv } from './endpoints.ts';

let client: Promise<DynamoDBClient> | undefined;

/**
 * The DynamoDB client, created once per execution environment; `SLUICE_DYNAMODB_ENDPOINT` for a local server.
 * The SDK is imported on first use.
 */
export const dynamoDbClient = (): Promise<DynamoDBClient> => {
  client ??= import('@aws-sdk/client-dynamodb').then(({ DynamoDBClient }) => {
    const endpoint = endpointFromEnv('SLUICE_DYNAMODB_ENDPOINT');
    return new DynamoDBClient({ region: awsRegion(), ...(endpoint ? { endpoint } : {}) });
  });
  return client;
};
