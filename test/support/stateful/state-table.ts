import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { defineTables, type TableRef } from '../../../shared/topology/resources.ts';
import { localAws, uniqueName } from '../endpoints.ts';

/**
 * A fresh state table (string `pk` and `sk`, on demand), as the CDK app would create it: for the stateful tests
 * and `npm run bench -- stateful`.
 */
export const createStateTable = async (
  client: DynamoDBClient,
  name = uniqueName('window-state'),
): Promise<TableRef> => {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: name });
  const { state } = defineTables({ state: { name, partitionKey: 'pk', sortKey: 'sk' } });
  return state as TableRef;
};

/**
 * Fresh state tables for one test file: `client()` after `beforeAll`, `table()` creates one, and every table made
 * is deleted after the file (as the windows tests each did by hand).
 */
export const stateTablesForFile = (endpoint: () => string) => {
  let client: DynamoDBClient | undefined;
  const made: TableRef[] = [];
  beforeAll(() => {
    client = new DynamoDBClient(localAws(endpoint()));
  });
  afterAll(async () => {
    for (const t of made)
      await client?.send(new DeleteTableCommand({ TableName: t.name })).catch(() => undefined);
    client?.destroy();
  });
  const clientOf = (): DynamoDBClient => {
    if (client === undefined) throw new Error('stateTablesForFile: the client exists from beforeAll on');
    return client;
  };
  return {
    client: clientOf,
    table: async (): Promise<TableRef> => {
      const state = await createStateTable(clientOf());
      made.push(state);
      return state;
    },
  };
};
