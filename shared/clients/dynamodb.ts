import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsRegion, endpointFromEnv } from './endpoints.ts';

let client: DynamoDBClient | undefined;

/** The DynamoDB client, created once per execution environment; `SLUICE_DYNAMODB_ENDPOINT` for a local server. */
export const dynamoDbClient = (): DynamoDBClient => {
  if (client) return client;
  const endpoint = endpointFromEnv('SLUICE_DYNAMODB_ENDPOINT');
  client = new DynamoDBClient({ region: awsRegion(), ...(endpoint ? { endpoint } : {}) });
  return client;
};
