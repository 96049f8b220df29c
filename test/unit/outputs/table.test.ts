import { BatchWriteItemCommand, PutItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { RetriableError } from '../../../shared/errors.ts';
import { planTableWrites, type TablePlanOptions } from '../../../shared/outputs/table-items.ts';
import { fakeTableWriter, flowRecord } from './records.ts';

const plan: TablePlanOptions = {
  key: { partition: 'customerId' },
  item: (r) => r.value as Record<string, unknown>,
  tombstones: 'delete',
};
const customer = (offset: number, id: string, name: string | null) =>
  flowRecord({ offset, key: id, value: name === null ? null : { customerId: id, name } });

const put = (request: WriteRequest | undefined) =>
  request?.PutRequest?.Item ? unmarshall(request.PutRequest.Item) : undefined;

type Send = (command: unknown) => Promise<unknown>;
const writer = (send: Send, budgetMs = 10_000) => fakeTableWriter(plan, send, budgetMs);

describe('the table loader plan', () => {
  it('keeps the last write per key and stores the source offset on the item', () => {
    // Act
    const { writes } = planTableWrites(
      [customer(1, 'c1', 'Ann'), customer(2, 'c2', 'Bob'), customer(3, 'c1', 'Anne')],
      plan,
      marshall,
    );
    // Assess
    expect(writes.map((w) => put(w.request))).toEqual([
      { customerId: 'c2', name: 'Bob', _sluice_topic: 'reviews', _sluice_partition: 0, _sluice_offset: 2 },
      { customerId: 'c1', name: 'Anne', _sluice_topic: 'reviews', _sluice_partition: 0, _sluice_offset: 3 },
    ]);
  });

  it('turns a tombstone into a delete of the record key, superseding earlier puts of that key', () => {
    const { writes } = planTableWrites([customer(1, 'c1', 'Ann'), customer(2, 'c1', null)], plan, marshall);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.request.DeleteRequest?.Key).toEqual({ customerId: { S: 'c1' } });
  });

  it('rejects a record whose item lacks the key', () => {
    const { writes, rejected } = planTableWrites([flowRecord({ value: { name: 'x' } })], plan, marshall);
    expect(writes).toEqual([]);
    expect(rejected[0]?.[1].message).toContain('customerId');
  });
});

describe('the table loader', () => {
  it('writes 25 items per BatchWriteItem', async () => {
    // Prepare
    const send = vi.fn(async (_command: unknown) => ({ UnprocessedItems: {} }));
    const records = Array.from({ length: 60 }, (_, i) => customer(i, `c${i}`, `n${i}`));
    // Act
    const result = await writer(send).write(records, { flowName: 'f' });
    // Assess
    expect(result).toEqual({ written: 60, deadLetters: [] });
    const sizes = send.mock.calls.map(
      ([c]) => (c as BatchWriteItemCommand).input.RequestItems?.customers?.length,
    );
    expect(sizes.sort()).toEqual([10, 25, 25]);
  });

  it('sends UnprocessedItems again with backoff until every item is written', async () => {
    // Prepare: the table processes only the first item of each request, as a throttled table may
    const written = new Map<string, unknown>();
    const send = vi.fn(async (command: unknown) => {
      const requests = (command as BatchWriteItemCommand).input.RequestItems?.customers ?? [];
      const [first, ...rest] = requests;
      const item = put(first);
      if (item) written.set(String(item.customerId), item);
      return { UnprocessedItems: rest.length ? { customers: rest } : {} };
    });
    const records = Array.from({ length: 5 }, (_, i) => customer(i, `c${i}`, `n${i}`));
    // Act
    await writer(send).write(records, { flowName: 'f' });
    // Assess
    expect([...written.keys()].sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(send).toHaveBeenCalledTimes(5);
  });

  it('retries throttling errors and fails the batch retriably when they last past the budget', async () => {
    // Prepare
    const throttled = () =>
      Object.assign(new Error('Rate exceeded'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { httpStatusCode: 400 },
      });
    let calls = 0;
    const recovering = vi.fn(async () => {
      calls += 1;
      if (calls < 3) throw throttled();
      return { UnprocessedItems: {} };
    });
    const never = vi.fn(async () => {
      throw throttled();
    });
    // Act / Assess
    await expect(
      writer(recovering).write([customer(1, 'c1', 'Ann')], { flowName: 'f' }),
    ).resolves.toMatchObject({ written: 1 });
    await expect(writer(never, 1_000).write([customer(1, 'c1', 'Ann')], { flowName: 'f' })).rejects.toThrow(
      RetriableError,
    );
  });

  it('finds and dead-letters the item a batch was refused for, writing the others one by one', async () => {
    // Prepare
    const send = vi.fn(async (command: unknown) => {
      const invalid = (item: unknown) => (item as { name?: string }).name === 'too big';
      if (command instanceof BatchWriteItemCommand) {
        const requests = command.input.RequestItems?.customers ?? [];
        if (requests.some((r) => invalid(put(r)))) {
          throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
            name: 'ValidationException',
          });
        }
      }
      if (command instanceof PutItemCommand && invalid(unmarshall(command.input.Item ?? {}))) {
        throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
          name: 'ValidationException',
        });
      }
      return {};
    });
    const records = [customer(1, 'c1', 'Ann'), customer(2, 'c2', 'too big'), customer(3, 'c3', 'Cy')];
    // Act
    const result = await writer(send).write(records, { flowName: 'f' });
    // Assess
    expect(result.written).toBe(2);
    expect(result.deadLetters.map((d) => d.record.source.offset)).toEqual([2]);
    expect(result.deadLetters[0]?.error.message).toContain('maximum allowed size');
  });

  it('fails the batch at once on a non-transient error such as a missing table', async () => {
    const send = vi.fn(async () => {
      throw Object.assign(new Error('Requested resource not found'), {
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 400 },
      });
    });
    await expect(writer(send).write([customer(1, 'c1', 'Ann')], { flowName: 'f' })).rejects.toThrow(
      RetriableError,
    );
    expect(send).toHaveBeenCalledTimes(1);
  });
});
