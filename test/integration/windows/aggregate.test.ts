import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import { RetriableError } from '../../../shared/errors.ts';
import { where } from '../../../shared/filter/where.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { type AggregateOptions, aggregate, type WindowResult } from '../../../shared/stateful/aggregate.ts';
import { count, sum } from '../../../shared/stateful/aggregate-reduce.ts';
import { readWindows } from '../../../shared/stateful/state-query.ts';
import { tumbling } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { dynamodbEndpoint } from '../../support/stateful/aggregate-under-test.ts';
import { stateTablesForFile } from '../../support/stateful/state-table.ts';
import { kafkaEvent, type RecordSpec } from '../../unit/runtime/kafka-events.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';
import { recordingMetrics } from '../../unit/runtime/records.ts';

const topics = defineTopics({
  reviews: { name: 'reviews.clean', format: 'json', partitions: 4 },
  stats: { name: 'reviews.product-stats', format: 'json', partitions: 4 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-30T10:00:00Z');

/**
 * A fake DynamoDB client (dynalite never throttles): passes every command to the real server except the Nth
 * command of a kind, which it refuses with DynamoDB's ThrottlingException, as a throttled table answers.
 */
class ThrottlingClient {
  #seen = 0;
  constructor(
    readonly client: DynamoDBClient,
    readonly kind: string,
    readonly nth: number,
  ) {}
  async send(command: { constructor: { name: string } }): Promise<unknown> {
    if (command.constructor.name === this.kind && ++this.#seen === this.nth)
      throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      });
    return this.client.send(command as never);
  }
}

describe('windowed aggregation with its state in DynamoDB (dynalite)', () => {
  const tables = stateTablesForFile(dynamodbEndpoint);

  /** A flow of one hourly aggregation over reviews, 10 minutes grace, with its own fresh state table. */
  const pipeline = async (options: Partial<AggregateOptions> = {}) => {
    const state = await tables.table();
    const results = memoryTopic(topics.stats);
    const dead = memoryTopic(topics.dead);
    const step = aggregate({
      name: 'ratings',
      state,
      key: 'productId',
      eventTime: 'reviewedAt',
      window: tumbling('1h'),
      grace: '10m',
      reduce: sum('rating'),
      ...options,
    });
    const flow = defineFlow({
      name: 'product-ratings',
      source: { topic: topics.reviews },
      steps: [step],
      outputs: [results],
      deadLetter: dead,
    });
    let offset = 0;
    const next = (spec: Omit<RecordSpec, 'offset'> & { offset?: number }): RecordSpec => ({
      topic: topics.reviews.name,
      offset: spec.offset ?? offset++,
      ...spec,
    });
    const send = (records: RecordSpec[], port: unknown = tables.client()) =>
      runBatch(flow, kafkaEvent(records), {
        outputFor: (o: OutputSpec) => o.create(),
        ports: { dynamodb: port as DynamoDBClient },
        now: () => T0,
      });
    // Each result with its record key (`<key>@<windowStart>`) in place of the grouping key.
    const emitted = () =>
      results.output.records.map((r) => {
        const { windowStart, windowEnd, value } = r.value as WindowResult;
        return { key: r.key, windowStart, windowEnd, value };
      });
    const deadLetters = () =>
      dead.output.records.map((r: FlowRecord) => ({
        offset: Number(r.headers[DeadLetterHeader.SourceOffset]),
        stage: r.headers[DeadLetterHeader.Stage],
        reason: r.headers[DeadLetterHeader.ErrorMessage],
      }));
    const windows = (key: string, now = T0) =>
      readWindows(state, 'ratings', key, { client: tables.client(), now });
    return { step, flow, state, results, dead, next, send, emitted, deadLetters, windows };
  };

  const review = (productId: unknown, minutes: number, rating = 1, extra: Record<string, unknown> = {}) => ({
    key: String(productId),
    value: { productId, reviewedAt: new Date(T0 + minutes * 60_000).toISOString(), rating, ...extra },
    timestamp: T0 + minutes * 60_000,
  });

  it('keeps each window current in the table and emits it once, when stream time passes end + grace', async () => {
    // Prepare
    const p = await pipeline();
    // Act: two reviews of p-1 in 10:00–11:00, then one at 11:05 (before end + grace), then 11:10 (closes it).
    await p.send([p.next(review('p-1', 5, 4)), p.next(review('p-1', 50, 2))]);
    await p.send([p.next(review('p-1', 65, 5))]);
    const before = p.emitted();
    const current = await p.windows('p-1');
    await p.send([p.next(review('p-2', 70, 3))]);
    // Assess
    expect(before).toEqual([]);
    expect(current).toEqual([
      { key: 'p-1', windowStart: T0, windowEnd: T0 + HOUR, value: 6 },
      { key: 'p-1', windowStart: T0 + HOUR, windowEnd: T0 + 2 * HOUR, value: 5 },
    ]);
    expect(p.emitted()).toEqual([{ key: `p-1@${T0}`, windowStart: T0, windowEnd: T0 + HOUR, value: 6 }]);
  });

  it('dead-letters a record for windows that have all closed with stage late, once, and never counts it', async () => {
    // Prepare
    const p = await pipeline({ reduce: count() });
    await p.send([p.next(review('p-1', 5)), p.next(review('p-1', 75))]);
    // Act: 10:30 arrives after stream time 11:15 closed 10:00–11:00 (end 11:00 + 10 min grace).
    await p.send([p.next(review('p-1', 30)), p.next(review('p-1', 130))]);
    // Assess
    expect(p.deadLetters()).toEqual([{ offset: 2, stage: 'late', reason: expect.stringMatching(/is late/) }]);
    expect(p.emitted()).toEqual([
      { key: `p-1@${T0}`, windowStart: T0, windowEnd: T0 + HOUR, value: 1 },
      { key: `p-1@${T0 + HOUR}`, windowStart: T0 + HOUR, windowEnd: T0 + 2 * HOUR, value: 1 },
    ]);
  });

  it('dead-letters bad grouping keys and event times at stage step, and they move no window or stream time', async () => {
    // Prepare
    const p = await pipeline({ reduce: count() });
    const far = {
      ...review('p-1', 0),
      value: { productId: 'p-1', reviewedAt: new Date(T0 + 2 * 86_400_000).toISOString() },
    };
    // Act
    await p.send([
      p.next({ key: 'x', value: { reviewedAt: new Date(T0).toISOString() }, timestamp: T0 }),
      p.next({
        key: 'x',
        value: { productId: { id: 1 }, reviewedAt: new Date(T0).toISOString() },
        timestamp: T0,
      }),
      p.next({ key: 'x', value: { productId: 'p-1' }, timestamp: T0 }),
      p.next({ key: 'x', value: { productId: 'p-1', reviewedAt: 'last Tuesday' }, timestamp: T0 }),
      p.next(far),
      p.next(review(7, 5)),
    ]);
    // Assess
    expect(p.deadLetters().map((d) => [d.offset, d.stage, d.reason])).toEqual([
      [0, 'step', expect.stringMatching(/grouping key is missing/)],
      [1, 'step', expect.stringMatching(/grouping key is a object/)],
      [2, 'step', expect.stringMatching(/event time is missing/)],
      [3, 'step', expect.stringMatching(/"last Tuesday" is not a time/)],
      [4, 'step', expect.stringMatching(/more than 86400000 ms after the record's Kafka timestamp/)],
    ]);
    // A far-future time would have closed 10:00–11:00; the numeric key counts as its text.
    expect(await p.windows('7')).toEqual([{ key: '7', windowStart: T0, windowEnd: T0 + HOUR, value: 1 }]);
    expect(await p.windows('p-1')).toEqual([]);
  });

  it('skips a record delivered again after its batch was committed', async () => {
    // Prepare
    const p = await pipeline();
    const first = [p.next(review('p-1', 5, 4)), p.next(review('p-1', 6, 1))];
    await p.send(first);
    // Act: the same two records (same offsets), then a record that closes the window.
    const again = await p.send(first);
    await p.send([p.next(review('p-1', 80, 1))]);
    // Assess
    expect(again.summary.filtered).toBe(2);
    expect(p.emitted()).toEqual([{ key: `p-1@${T0}`, windowStart: T0, windowEnd: T0 + HOUR, value: 5 }]);
  });

  it('counts nothing twice when a whole batch is replayed after a crash between its state writes and its commit', async () => {
    // Prepare
    const p = await pipeline();
    await p.send([p.next(review('p-1', 5, 4))]);
    const batch = [p.next(review('p-1', 20, 2)), p.next(review('p-2', 30, 7)), p.next(review('p-1', 75, 1))];
    // Act: the step runs (its state written, the window emitted in memory) and the process dies before commit.
    const decoded = decodeBatch(kafkaEvent(batch), { formats: { [topics.reviews.name]: 'json' } });
    await p.step.run(decoded.records, {
      flowName: 'product-ratings',
      metrics: recordingMetrics(),
      ports: { dynamodb: tables.client() },
    });
    const replay = await p.send(batch);
    // Assess
    expect(replay.summary.deadLettered).toBe(0);
    expect(p.emitted()).toEqual([
      { key: `p-1@${T0}`, windowStart: T0, windowEnd: T0 + HOUR, value: 6 },
      { key: `p-2@${T0}`, windowStart: T0, windowEnd: T0 + HOUR, value: 7 },
    ]);
    expect(await p.windows('p-1')).toEqual([
      { key: 'p-1', windowStart: T0, windowEnd: T0 + HOUR, value: 6 },
      { key: 'p-1', windowStart: T0 + HOUR, windowEnd: T0 + 2 * HOUR, value: 1 },
    ]);
  });

  it('fails the batch when DynamoDB throttles mid-batch, and the retry counts every record exactly once', async () => {
    // Prepare: the batch's window write is throttled (its open markers are already written).
    const p = await pipeline();
    const batch = [p.next(review('p-1', 5, 1)), p.next(review('p-2', 5, 10)), p.next(review('p-3', 5, 100))];
    const throttled = new ThrottlingClient(tables.client(), 'BatchWriteItemCommand', 2);
    // Act
    const failed = await p.send(batch, throttled).catch((error: unknown) => error);
    await p.send(batch);
    await p.send([p.next(review('p-4', 80, 0))]);
    // Assess
    expect(failed).toBeInstanceOf(BatchFailedError);
    expect((failed as BatchFailedError).retriable).toBe(true);
    expect(p.emitted().map((r) => [r.key, r.value])).toEqual([
      [`p-1@${T0}`, 1],
      [`p-2@${T0}`, 10],
      [`p-3@${T0}`, 100],
    ]);
  });

  it('writes once per (key, window) a batch, not once per record', async () => {
    // Prepare
    const p = await pipeline({ reduce: count() });
    const records = Array.from({ length: 300 }, (_, i) => p.next(review(`p-${i % 3}`, i % 60)));
    // Act
    const outcome = await p.send(records);
    // Assess: 3 windows → 1 BatchWriteItem of their open markers, 1 of the windows, 1 meta put at commit.
    expect(outcome.summary.counters.StateWriteRequests).toBe(3);
    expect((await p.windows('p-0'))[0]?.value).toBe(100);
  });

  it("reads a key's windows without those past their expiry (DynamoDB TTL lags; dynalite never expires)", async () => {
    // Prepare
    const p = await pipeline({ retention: '1h' });
    await p.send([p.next(review('p-1', 5, 4)), p.next(review('p-1', 65, 1))]);
    // Act: end 11:00 + 10 min grace + 1 h retention → the first window expires at 12:10.
    const later = await p.windows('p-1', T0 + 2 * HOUR + 11 * 60_000);
    // Assess
    expect(later).toEqual([{ key: 'p-1', windowStart: T0 + HOUR, windowEnd: T0 + 2 * HOUR, value: 1 }]);
  });

  it('with partial batch response, commits only what was delivered: a result whose output failed is emitted again', async () => {
    // Prepare: b's results go to an output that is down; a's to one that works.
    const state = await tables.table();
    const good = memoryTopic(topics.stats, where({ key: 'a' }));
    const down = memoryTopic(topics.reviews, where({ key: 'b' }));
    down.output.failWith = new RetriableError('broker unavailable');
    const flow = defineFlow({
      name: 'product-ratings',
      source: {
        topic: topics.reviews,
        errorHandling: { reportBatchItemFailures: true },
        provisionedPollers: {},
      },
      steps: [
        aggregate({
          name: 'ratings',
          state,
          key: 'productId',
          window: tumbling('1h'),
          grace: '10m',
          reduce: count(),
        }),
      ],
      outputs: [good, down],
      deadLetter: memoryTopic(topics.dead),
    });
    const deps = {
      outputFor: (o: OutputSpec) => o.create(),
      ports: { dynamodb: tables.client() },
      now: () => T0,
    };
    const at = (offset: number, productId: string, minutes: number): RecordSpec => ({
      topic: topics.reviews.name,
      offset,
      key: productId,
      value: { productId },
      timestamp: T0 + minutes * 60_000,
    });
    // b's 10:00 window closes at o2 (11:20), a's 11:00 window at o3 (12:15).
    const batch = [at(0, 'b', 5), at(1, 'a', 65), at(2, 'x', 80), at(3, 'y', 135)];
    // Act
    const first = await runBatch(flow, kafkaEvent(batch), deps);
    down.output.failWith = undefined;
    await runBatch(flow, kafkaEvent(batch.slice(2)), deps);
    // Assess: the mapping resumes at o2; b's window (lost without the partial commit) is emitted then.
    expect(first.response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'reviews.clean-0', offset: 2 } }],
    });
    expect(down.output.records.map((r) => [r.key, (r.value as WindowResult).value])).toEqual([
      [`b@${T0}`, 1],
    ]);
    expect(good.output.records.map((r) => [r.key, (r.value as WindowResult).value])).toEqual([
      [`a@${T0 + HOUR}`, 1],
      [`a@${T0 + HOUR}`, 1],
    ]);
  });
});
