import { type BatchWriteItemCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import { RetriableError } from '../../../shared/errors.ts';
import { runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { aggregate, type WindowResult } from '../../../shared/stateful/aggregate.ts';
import { count } from '../../../shared/stateful/aggregate-reduce.ts';
import { readWindows } from '../../../shared/stateful/state-query.ts';
import { tumbling } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics, type TableRef } from '../../../shared/topology/resources.ts';
import { localAws } from '../../support/endpoints.ts';
import { createStateTable, dynamodbEndpoint } from '../../support/stateful/aggregate-under-test.ts';
import { kafkaEvent, type RecordSpec } from '../../unit/runtime/kafka-events.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';
import { recordingMetrics } from '../../unit/runtime/records.ts';

const topics = defineTopics({
  reviews: { name: 'reviews.by-product', format: 'json', partitions: 2 },
  stats: { name: 'reviews.product-stats', format: 'json', partitions: 2 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-30T10:00:00Z');

/**
 * A fake DynamoDB client (dynalite always processes a whole BatchWriteItem): passes every command to the real
 * server, except that a BatchWriteItem of more than one item sends only the first half and answers the rest as
 * UnprocessedItems, as a throttled table does. Counts the calls by kind.
 */
class PartlyProcessingClient {
  readonly calls = new Map<string, number>();
  constructor(readonly client: DynamoDBClient) {}
  async send(command: { constructor: { name: string }; input: unknown }): Promise<unknown> {
    const kind = command.constructor.name;
    this.calls.set(kind, (this.calls.get(kind) ?? 0) + 1);
    const items = Object.values((command as BatchWriteItemCommand).input.RequestItems ?? {})[0] ?? [];
    if (kind !== 'BatchWriteItemCommand' || items.length < 2) return this.client.send(command as never);
    const input = (command as BatchWriteItemCommand).input;
    const [table, requests] = Object.entries(input.RequestItems ?? {})[0] as [string, unknown[]];
    const half = Math.ceil(requests.length / 2);
    const Command = command.constructor as new (input: unknown) => unknown;
    await this.client.send(new Command({ RequestItems: { [table]: requests.slice(0, half) } }) as never);
    return { UnprocessedItems: requests.length > half ? { [table]: requests.slice(half) } : {} };
  }
}

describe('state writes of a windowed aggregation: batched, cached warm, fenced at commit (dynalite)', () => {
  let client: DynamoDBClient;
  const made: TableRef[] = [];
  beforeAll(() => {
    client = new DynamoDBClient(localAws(dynamodbEndpoint()));
  });
  afterAll(async () => {
    for (const t of made)
      await client.send(new DeleteTableCommand({ TableName: t.name })).catch(() => undefined);
    client.destroy();
  });

  /** A state table, and `environment()` for each execution environment: its own step (and so its own cache). */
  const setup = async () => {
    const state = await createStateTable(client);
    made.push(state);
    const results = memoryTopic(topics.stats);
    let offset = 0;
    const environment = () => {
      const step = aggregate({
        name: 'ratings',
        state,
        key: 'productId',
        eventTime: 'reviewedAt',
        window: tumbling('1h'),
        grace: '10m',
        reduce: count(),
      });
      const flow = defineFlow({
        name: 'product-ratings',
        source: { topic: topics.reviews },
        steps: [step],
        outputs: [results],
        deadLetter: memoryTopic(topics.dead),
      });
      const send = (records: RecordSpec[], port: unknown = client) =>
        runBatch(flow, kafkaEvent(records), {
          outputFor: (o: OutputSpec) => o.create(),
          ports: { dynamodb: port as DynamoDBClient },
          now: () => T0,
        });
      return { step, send };
    };
    const next = (productId: string, minutes: number, at?: number): RecordSpec => ({
      topic: topics.reviews.name,
      partition: 0,
      offset: at ?? offset++,
      key: productId,
      value: { productId, reviewedAt: new Date(T0 + minutes * 60_000).toISOString() },
      timestamp: T0 + minutes * 60_000,
    });
    const emitted = () =>
      results.output.records.map((r) => {
        const { windowStart, value } = r.value as WindowResult;
        return [r.key, windowStart, value];
      });
    const windows = (key: string) => readWindows(state, 'ratings', key, { client, now: T0 });
    return { state, environment, next, emitted, windows };
  };

  it('writes windows with BatchWriteItem and retries the items DynamoDB left unprocessed', async () => {
    // Prepare: 30 products, two reviews each, in one hour; every batch write is half processed.
    const s = await setup();
    const env = s.environment();
    const records = Array.from({ length: 60 }, (_, i) => s.next(`p-${i % 30}`, i % 50));
    const partly = new PartlyProcessingClient(client);
    // Act
    const outcome = await env.send(records, partly);
    // Assess: every window holds both its reviews, written in batches (the one PutItem is the commit's meta).
    expect(outcome.summary.deadLettered).toBe(0);
    for (const product of ['p-0', 'p-17', 'p-29'])
      expect((await s.windows(product)).map((w) => w.value)).toEqual([2]);
    expect(partly.calls.get('PutItemCommand')).toBe(1);
    expect(partly.calls.get('BatchWriteItemCommand')).toBeGreaterThan(4);
  });

  it('skips reading the windows it wrote itself while its environment is the last to have committed the partition', async () => {
    // Prepare
    const s = await setup();
    const env = s.environment();
    await env.send([s.next('p-1', 5), s.next('p-2', 6)]);
    // Act: the same windows again, in the same environment.
    const warm = await env.send([s.next('p-1', 7), s.next('p-2', 8)]);
    // Assess: the meta read (BatchGetItem) and the closing-marker Query; no read of the windows.
    expect(warm.summary.counters.StateReadRequests).toBe(2);
    expect((await s.windows('p-1')).map((w) => w.value)).toEqual([2]);
  });

  it('reads the windows again, and counts right, when another environment committed the partition in between', async () => {
    // Prepare: environment A warms its cache; B (a rebalance, a retry elsewhere) then counts the same windows.
    const s = await setup();
    const a = s.environment();
    const b = s.environment();
    await a.send([s.next('p-1', 5), s.next('p-2', 6)]);
    await b.send([s.next('p-1', 7), s.next('p-1', 8)]);
    // Act: A again, then a record that closes the hour.
    const again = await a.send([s.next('p-1', 9), s.next('p-2', 10)]);
    await a.send([s.next('p-3', 75)]);
    // Assess: A read the windows (meta, windows, Query) and built on B's counts.
    expect(again.summary.counters.StateReadRequests).toBe(3);
    expect(s.emitted()).toEqual([
      [`p-1@${T0}`, T0, 4],
      [`p-2@${T0}`, T0, 2],
    ]);
  });

  it("refuses a zombie's commit after another invocation committed the partition, and moves no stream time back", async () => {
    // Prepare: the zombie runs a batch (state written) and stalls before its commit; the retry runs elsewhere,
    // commits, and the stream goes on.
    const s = await setup();
    const zombie = s.environment();
    const live = s.environment();
    const batch = [s.next('p-1', 5), s.next('p-2', 6)];
    const decoded = decodeBatch(kafkaEvent(batch), { formats: { [topics.reviews.name]: 'json' } });
    const stalled = await zombie.step.run(decoded.records, {
      flowName: 'product-ratings',
      metrics: recordingMetrics(),
      ports: { dynamodb: client },
    });
    await live.send(batch);
    await live.send([s.next('p-1', 65)]);
    // Act: the zombie wakes up and commits.
    const commit = await stalled.commit?.({ failed: new Map() }).catch((error: unknown) => error);
    await live.send([s.next('p-1', 66)]);
    await live.send([s.next('p-4', 80)]);
    // Assess: refused retriably; the live stream closed 10:00 once with exact counts, and 11:00 still holds 2.
    expect(commit).toBeInstanceOf(RetriableError);
    expect(s.emitted()).toEqual([
      [`p-1@${T0}`, T0, 1],
      [`p-2@${T0}`, T0, 1],
    ]);
    expect((await s.windows('p-1')).map((w) => [w.windowStart, w.value])).toEqual([
      [T0, 1],
      [T0 + HOUR, 2],
    ]);
  });
});
