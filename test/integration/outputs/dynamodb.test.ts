import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutputContext } from '../../../shared/outputs/output.ts';
import { toTable } from '../../../shared/outputs/table.ts';
import { createTableWriter } from '../../../shared/outputs/table-writer.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { endpoints, localAws } from '../../support/endpoints.ts';
import { flowRecord } from '../../unit/outputs/records.ts';
import { createCustomersTable, scanCustomers } from './customers-table.ts';
import { useLocalServers } from './support.ts';

useLocalServers();
const dynamodb = new DynamoDBClient(localAws(endpoints().dynamodb.endpoint));
const context: OutputContext = { flowName: 'load-customers' };

const createTable = (): Promise<string> => createCustomersTable(dynamodb, 'customers');

const scan = (table: string): Promise<Record<string, unknown>[]> => scanCustomers(dynamodb, table);

/** A change stream of customers: 300 records over 120 keys, every 7th a tombstone. */
const changes = (): FlowRecord[] =>
  Array.from({ length: 300 }, (_, offset) => {
    const id = `c${String(offset % 120).padStart(3, '0')}`;
    return flowRecord({
      topic: 'customers',
      partition: 0,
      offset,
      key: id,
      value:
        offset % 7 === 6
          ? null
          : { customerId: id, name: `name-${offset}`, tier: offset % 3 ? 'silver' : 'gold' },
    });
  });

/** The state a one-record-at-a-time consumer would leave. */
const expectedState = (records: readonly FlowRecord[]) => {
  const state = new Map<string, Record<string, unknown>>();
  for (const r of records) {
    if (r.value === null) state.delete(r.key ?? '');
    else
      state.set(r.key ?? '', {
        ...(r.value as object),
        _sluice_topic: 'customers',
        _sluice_partition: 0,
        _sluice_offset: r.source.offset,
      });
  }
  return [...state.values()].sort((a, b) => String(a.customerId).localeCompare(String(b.customerId)));
};

describe('the table loader on a DynamoDB-compatible server', () => {
  afterAll(() => dynamodb.destroy());

  it('converges to the state of the change stream: last write per key, tombstones delete, offsets stored', async () => {
    // Prepare
    const table = await createTable();
    const records = changes();
    const output = toTable(table, { key: { partition: 'customerId' } }).create();
    // Act
    const result = await output.write(records, context);
    // Assess
    expect(result.deadLetters).toEqual([]);
    expect(await scan(table)).toEqual(expectedState(records));
  });

  it('reaches the same state when the batch is replayed, whole or from its first offset as a superset', async () => {
    const table = await createTable();
    const output = toTable(table, { key: { partition: 'customerId' } }).create();
    const records = changes();
    await output.write(records.slice(0, 200), context);
    await output.write(records.slice(0, 200), context);
    await output.write(records, context);
    expect(await scan(table)).toEqual(expectedState(records));
  });

  it('loses nothing when the table leaves items unprocessed and throttles requests', async () => {
    // Prepare: DynamoDB-compatible servers never throttle, so the client boundary does: every other call is
    // refused with ProvisionedThroughputExceededException, and accepted calls process only half their items
    // and hand the rest back as UnprocessedItems, as a throttled table does.
    const table = await createTable();
    let calls = 0;
    let unprocessedReturned = 0;
    const throttling = {
      send: async (command: BatchWriteItemCommand) => {
        calls += 1;
        if (calls % 2 === 0) {
          throw Object.assign(new Error('Throughput exceeds the current capacity'), {
            name: 'ProvisionedThroughputExceededException',
            $metadata: { httpStatusCode: 400 },
          });
        }
        const requests: WriteRequest[] = command.input.RequestItems?.[table] ?? [];
        const half = Math.ceil(requests.length / 2);
        await dynamodb.send(
          new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(0, half) } }),
        );
        const rest = requests.slice(half);
        unprocessedReturned += rest.length;
        return { UnprocessedItems: rest.length ? { [table]: rest } : {} };
      },
    };
    const writer = createTableWriter({
      name: `table:${table}`,
      table,
      key: { partition: 'customerId' },
      item: (r) => r.value as Record<string, unknown>,
      tombstones: 'delete',
      concurrency: 4,
      retry: { baseMs: 5, maxDelayMs: 50, budgetMs: 20_000 },
      client: () => throttling as never,
    });
    const records = changes();
    // Act
    const result = await writer.write(records, context);
    // Assess
    expect(unprocessedReturned).toBeGreaterThan(50);
    expect(result.deadLetters).toEqual([]);
    expect(await scan(table)).toEqual(expectedState(records));
  });
});
