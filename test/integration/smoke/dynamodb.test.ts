import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';

describe('the local DynamoDB server', () => {
  const client = new DynamoDBClient(localAws(endpoints().dynamodb.endpoint));
  afterAll(() => client.destroy());

  it('creates a table, writes items in a batch and reads them back with BatchGetItem', async () => {
    // Prepare
    const table = uniqueName('smoke-customers');
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'customerId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
      }),
    );
    const ids = Array.from({ length: 25 }, (_, i) => `c${i}`);

    // Act
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [table]: ids.map((id) => ({
            PutRequest: { Item: { customerId: { S: id }, tier: { S: 'gold' } } },
          })),
        },
      }),
    );
    const read = await client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [table]: { Keys: [...ids.slice(0, 3), 'missing'].map((id) => ({ customerId: { S: id } })) },
        },
      }),
    );

    // Assess
    const found = read.Responses?.[table]?.map((item) => item.customerId?.S).sort();
    expect(found).toEqual(['c0', 'c1', 'c2']);
  });

  it('rejects a read from a table that does not exist, as DynamoDB does', async () => {
    // Act
    const read = client.send(
      new BatchGetItemCommand({ RequestItems: { [uniqueName('absent')]: { Keys: [{ id: { S: 'x' } }] } } }),
    );

    // Assess
    await expect(read).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
