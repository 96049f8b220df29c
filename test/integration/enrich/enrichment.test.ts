import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrich } from '../../../shared/enrich/enrich.ts';
import { ConfigError, LookupError } from '../../../shared/errors.ts';
import { MetricName } from '../../../shared/metrics.ts';
import { defineTables } from '../../../shared/topology/resources.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { flowRecord, recordingMetrics, stepContext } from '../../unit/runtime/records.ts';

/** Counts the requests that really reach DynamoDB; can also hold keys back as UnprocessedKeys. */
class CountingClient {
  calls = 0;
  holdBack: number[] = [];
  constructor(readonly client: DynamoDBClient) {}
  async send(command: BatchGetItemCommand): Promise<BatchGetItemCommandOutput> {
    this.calls++;
    const hold = this.holdBack.shift() ?? 0;
    if (hold === 0) return this.client.send(command);
    // dynalite never throttles, so partial processing is injected here, at the client boundary: send only part
    // of the request to the real server and hand the rest back as DynamoDB does under load.
    const [[table, request]] = Object.entries(command.input.RequestItems ?? {}) as [
      [string, { Keys: Record<string, unknown>[] }],
    ];
    const sent = request.Keys.slice(0, request.Keys.length - hold);
    const held = request.Keys.slice(request.Keys.length - hold);
    const response = await this.client.send(
      new BatchGetItemCommand({ RequestItems: { [table]: { ...request, Keys: sent } } } as never),
    );
    return { ...response, UnprocessedKeys: { [table]: { Keys: held } } } as BatchGetItemCommandOutput;
  }
}

describe('enrichment against DynamoDB (dynalite)', () => {
  const tableName = uniqueName('customers');
  const tables = defineTables({
    customers: { name: tableName, partitionKey: 'customerId' },
    missing: { name: uniqueName('no-such-table'), partitionKey: 'customerId' },
  });
  let client: DynamoDBClient;

  beforeAll(async () => {
    client = new DynamoDBClient(localAws(endpoints().dynamodb.endpoint));
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'customerId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // CreateTable answers while the table may still be CREATING: a loaded dynalite refuses writes until ACTIVE.
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
    const items = Array.from({ length: 250 }, (_, i) => ({
      customerId: `c-${i}`,
      name: `Customer ${i}`,
      tier: i % 3 === 0 ? 'gold' : 'silver',
    }));
    for (let i = 0; i < items.length; i += 25) {
      await client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [tableName]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item) } })),
          },
        }),
      );
    }
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  });

  const setup = (options: Partial<Parameters<typeof enrich>[0]> = {}) => {
    const counting = new CountingClient(client);
    const metrics = recordingMetrics();
    const step = enrich({
      table: tables.customers,
      key: 'customerId',
      as: 'customer',
      attributes: ['name', 'tier'],
      ...options,
    });
    const run = (ids: readonly string[]) =>
      step.run(
        ids.map((id, i) => flowRecord({ customerId: id }, i)),
        stepContext({ ports: { dynamodb: counting }, metrics }),
      );
    return { counting, metrics, run };
  };

  it('left join: found records get the projected item, missing ones null', async () => {
    // Act
    const result = await setup().run(['c-3', 'nobody']);
    // Assess
    expect(result.records.map((r) => r.value)).toEqual([
      { customerId: 'c-3', customer: { name: 'Customer 3', tier: 'gold' } },
      { customerId: 'nobody', customer: null },
    ]);
  });

  it('inner join: a miss is dead-lettered with a LookupError when configured', async () => {
    // Act
    const result = await setup({ join: 'inner', onMissing: 'deadLetter' }).run(['c-1', 'nobody']);
    // Assess
    expect(result.records).toHaveLength(1);
    expect(result.deadLetters[0]?.error).toBeInstanceOf(LookupError);
  });

  it('serves the second batch entirely from the cache: zero calls', async () => {
    // Prepare
    const { counting, run } = setup();
    await run(['c-1', 'c-2', 'c-3']);
    const before = counting.calls;
    // Act
    const second = await run(['c-3', 'c-1', 'c-2', 'c-1']);
    // Assess
    expect(before).toBe(1);
    expect(counting.calls).toBe(before);
    expect(second.records).toHaveLength(4);
  });

  it('caches misses: a missing key is asked for once', async () => {
    // Prepare
    const { counting, run } = setup();
    // Act
    await run(['ghost-1']);
    await run(['ghost-1']);
    // Assess
    expect(counting.calls).toBe(1);
  });

  it('splits more than 100 distinct keys into calls of at most 100', async () => {
    // Prepare
    const { counting, metrics, run } = setup();
    const ids = Array.from({ length: 230 }, (_, i) => `c-${i}`);
    // Act
    const result = await run(ids);
    // Assess
    expect(counting.calls).toBe(3);
    expect(metrics.counts.get(MetricName.LookupCalls)).toBe(3);
    expect(result.records.every((r) => (r.value as { customer: unknown }).customer !== null)).toBe(true);
  });

  it('retries UnprocessedKeys until every key is read', async () => {
    // Prepare
    const { counting, run } = setup({ retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    counting.holdBack = [40, 10];
    const ids = Array.from({ length: 60 }, (_, i) => `c-${i}`);
    // Act
    const result = await run(ids);
    // Assess
    expect(counting.calls).toBe(3);
    expect(result.records.filter((r) => (r.value as { customer: unknown }).customer !== null)).toHaveLength(
      60,
    );
  });

  it('fails with a clear ConfigError naming a table that does not exist', async () => {
    // Prepare
    const step = enrich({ table: tables.missing, key: 'customerId', as: 'customer' });
    // Act
    const run = step.run(
      [flowRecord({ customerId: 'c-1' }, 0)],
      stepContext({ ports: { dynamodb: client } }),
    );
    // Assess
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow(`DynamoDB table "${tables.missing.name}" does not exist`);
  });
});
