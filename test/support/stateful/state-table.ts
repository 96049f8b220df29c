import { CreateTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { defineTables, type TableRef } from '../../../shared/topology/resources.ts';
import { uniqueName } from '../endpoints.ts';

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
