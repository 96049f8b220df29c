import {
  CreateTableCommand,
  type DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { uniqueName } from '../../support/endpoints.ts';

/** A new customers table (key `customerId`) in the local DynamoDB, ready for writes. */
export const createCustomersTable = async (dynamodb: DynamoDBClient, prefix: string): Promise<string> => {
  const table = uniqueName(prefix);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'customerId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
    }),
  );
  // The waiter polls first after its minDelay (20 s by default); dynalite creates a table in milliseconds.
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30, minDelay: 1 }, { TableName: table });
  return table;
};

/** Every item of a customers table as stored, in key order. */
export const scanCustomers = async (
  dynamodb: DynamoDBClient,
  table: string,
): Promise<Record<string, unknown>[]> => {
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
  return Items.map((item) => unmarshall(item)).sort((a, b) =>
    String(a.customerId).localeCompare(String(b.customerId)),
  );
};
