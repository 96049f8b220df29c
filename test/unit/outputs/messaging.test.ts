import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../shared/errors.ts';
import {
  chunkEntries,
  type EntryFailure,
  RequestOutcome,
  sendEntries,
} from '../../../shared/outputs/entries-batch.ts';
import { toEventBridge } from '../../../shared/outputs/eventbridge.ts';
import { toSns } from '../../../shared/outputs/sns.ts';
import { deduplicationIds, planMessage } from '../../../shared/outputs/sns-sqs-message.ts';
import { toSqs } from '../../../shared/outputs/sqs.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { memoryTopic } from '../runtime/memory-output.ts';
import { configError } from '../topology/config-error.ts';
import { fakeClock, flowRecord, offsets } from './records.ts';

/** A service error as the SDK throws it: a name and an HTTP status. */
const serviceError = (name: string, status: number) =>
  Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });

/** Entries are the records' offsets; `answer` says what the fake service answers each request. */
const send = (
  records: readonly FlowRecord[],
  answer: (entries: readonly number[], call: number) => readonly EntryFailure[] | Error,
  overrides: { bytes?: (record: FlowRecord) => number; budgetMs?: number; concurrency?: number } = {},
) => {
  const requests: number[][] = [];
  const clock = fakeClock();
  const result = sendEntries<number>(
    records,
    { flowName: 'f' },
    {
      name: 'sqs:alerts',
      target: 'queue alerts',
      maxEntries: 10,
      maxBytes: 1000,
      plan: (record) => ({ record, entry: record.source.offset, bytes: overrides.bytes?.(record) ?? 10 }),
      send: async (entries) => {
        requests.push([...entries]);
        const outcome = answer(entries, requests.length);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
      classify: (error) =>
        (error as Error).name === 'Throttling'
          ? RequestOutcome.Retry
          : (error as Error).name === 'InvalidParameterValue'
            ? RequestOutcome.Isolate
            : RequestOutcome.Fail,
      isThrottling: (error) => (error as Error).name === 'Throttling',
      concurrency: overrides.concurrency ?? 1,
      retry: { baseMs: 10, maxDelayMs: 100, budgetMs: overrides.budgetMs ?? 1_000 },
      clock,
    },
  );
  return { result, requests, clock };
};

describe('batched entries (SQS, SNS, EventBridge)', () => {
  it('sends 10 entries a request and cuts a request before it passes the byte limit', () => {
    // Act
    const byCount = chunkEntries(
      Array.from({ length: 23 }, () => ({ bytes: 1 })),
      10,
      1000,
    );
    const byBytes = chunkEntries([{ bytes: 600 }, { bytes: 300 }, { bytes: 200 }], 10, 1000);
    // Assess
    expect(byCount.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(byBytes.map((c) => c.length)).toEqual([2, 1]);
  });

  it('dead-letters an entry over the limit with the reason and sends the others', async () => {
    // Prepare
    const records = offsets(0, 3);
    // Act
    const { result, requests } = send(records, () => [], {
      bytes: (r) => (r.source.offset === 1 ? 1001 : 10),
    });
    // Assess
    const { written, deadLetters } = await result;
    expect(written).toBe(2);
    expect(requests).toEqual([[0, 2]]);
    expect(deadLetters.map((d) => [d.record.source.offset, d.stage, d.component])).toEqual([
      [1, 'output', 'sqs:alerts'],
    ]);
    expect(deadLetters[0]?.error.message).toBe(
      'queue alerts: the message is 1001 bytes, over the 1000-byte limit',
    );
  });

  it('sends retriable entry failures again and dead-letters the others', async () => {
    // Prepare: entry 1 fails for the service's sake on the first request, entry 2 for its own
    const records = offsets(0, 3);
    // Act
    const { result, requests } = send(records, (_entries, call) =>
      call === 1
        ? [
            { index: 1, code: 'InternalError', message: 'try again', retriable: true },
            { index: 2, code: 'InvalidMessageContents', message: 'bad text', retriable: false },
          ]
        : [],
    );
    // Assess
    const { written, deadLetters } = await result;
    expect(requests).toEqual([[0, 1, 2], [1]]);
    expect(written).toBe(2);
    expect(deadLetters.map((d) => d.record.source.offset)).toEqual([2]);
    expect(deadLetters[0]?.error.message).toContain('InvalidMessageContents: bad text');
  });

  it('retries a throttled request, counts it, and delivers', async () => {
    // Act
    const { result, requests } = send(offsets(0, 2), (_e, call) =>
      call <= 2 ? serviceError('Throttling', 400) : [],
    );
    // Assess
    expect(await result).toMatchObject({ written: 2, deadLetters: [], throttled: 2 });
    expect(requests).toHaveLength(3);
  });

  it('fails the batch, retriably, when throttling outlasts the retry budget', async () => {
    // Act
    const { result } = send(offsets(0, 2), () => serviceError('Throttling', 400), { budgetMs: 200 });
    // Assess
    await expect(result).rejects.toThrow(RetriableError);
    await expect(result).rejects.toThrow(/still not sent after retrying: Throttling/);
  });

  it('finds the entry that made a whole request invalid and dead-letters only it', async () => {
    // Act
    const { result, requests } = send(offsets(0, 3), (entries) =>
      entries.includes(1) ? serviceError('InvalidParameterValue', 400) : [],
    );
    // Assess
    const { written, deadLetters } = await result;
    expect(requests).toEqual([[0, 1, 2], [0], [1], [2]]);
    expect(written).toBe(2);
    expect(deadLetters.map((d) => d.record.source.offset)).toEqual([1]);
  });

  it('fails the batch when the target refuses everything (access denied), dead-lettering nothing', async () => {
    // Act
    const { result } = send(offsets(0, 3), () => serviceError('AccessDenied', 403));
    // Assess
    await expect(result).rejects.toThrow(RetriableError);
  });
});

describe('SQS and SNS messages', () => {
  const fifo = { attributes: ['tenant'], groupField: 'customer.id', fifo: true } as const;

  it('takes the group id from the declared field, attributes from declared headers, and adds lineage', () => {
    // Prepare
    const record = flowRecord({
      topic: 'reviews.alerts',
      partition: 2,
      offset: 7,
      value: { customer: { id: 'c-1' }, rating: 1 },
      headers: { tenant: 'acme', other: 'x' },
    });
    // Act
    const message = planMessage(record, fifo, { trusted: false, dedup: deduplicationIds(false) });
    // Assess
    expect(message.body).toBe('{"customer":{"id":"c-1"},"rating":1}');
    expect(message.groupId).toBe('c-1');
    expect(message.attributes).toEqual({
      tenant: { DataType: 'String', StringValue: 'acme' },
      'sluice.lineage': { DataType: 'String', StringValue: 'reviews.alerts/2@7' },
    });
    expect(message.deduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a replayed record the same deduplication id, and another record another', () => {
    // Prepare
    const ids = (records: FlowRecord[]) => records.map(deduplicationIds(false));
    // Act
    const first = ids(offsets(0, 3));
    const replay = ids(offsets(0, 3));
    // Assess
    expect(replay).toEqual(first);
    expect(new Set(first).size).toBe(3);
  });

  it('rejects a record without the group field as a per-record problem', () => {
    const record = flowRecord({ value: { rating: 1 } });
    expect(() => planMessage(record, fifo, { trusted: false, dedup: deduplicationIds(false) })).toThrow(
      /group field customer.id/,
    );
  });
});

describe('messaging outputs at load time', () => {
  const topics = defineTopics({
    alerts: { name: 'reviews.alerts', format: 'json', partitions: 1 },
    dead: { name: 'dead-letters', format: 'bytes', partitions: 1 },
  });
  const flowWith = (output: ReturnType<typeof toSns>) =>
    defineFlow({
      name: 'alerts-notify',
      source: { topic: topics.alerts },
      outputs: [output],
      deadLetter: memoryTopic(topics.dead),
    });

  it('refuses a FIFO topic without a group field, naming the flow', () => {
    // Act
    const error = configError(() => flowWith(toSns('review-alerts.fifo')));
    // Assess
    expect(error.path).toBe('flows.alerts-notify.outputs[0].groupField');
    expect(error.message).toContain('review-alerts.fifo is FIFO: declare groupField');
  });

  it('refuses a FIFO queue without a group field, naming the flow', () => {
    expect(configError(() => flowWith(toSqs('alerts.fifo') as never)).path).toBe(
      'flows.alerts-notify.outputs[0].groupField',
    );
  });

  it('refuses a group field on a standard target, a bad name or ARN, and too many attributes', () => {
    expect(configError(() => toSqs('alerts', { groupField: 'id' })).path).toBe('toSqs(alerts).groupField');
    expect(configError(() => toSns('bad name')).message).toContain('"bad name" is not a valid sns name');
    expect(configError(() => toSqs('arn:aws:sns:us-east-1:123456789012:x')).message).toContain(
      'is not an sqs ARN',
    );
    expect(
      configError(() => toSns('alerts', { attributes: Array.from({ length: 10 }, (_, i) => `h${i}`) })).path,
    ).toBe('toSns(alerts).attributes');
    expect(configError(() => toEventBridge('bus', { source: 'aws.events', detailType: 'x' })).path).toBe(
      'toEventBridge(bus).source',
    );
  });

  it('declares what the CDK app grants: the target as named, and its key', () => {
    // Act
    const sns = toSns('arn:aws:sns:eu-west-1:123456789012:alerts', {
      kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/k',
    });
    const sqs = toSqs('alerts.fifo', { groupField: 'customerId' });
    const bus = toEventBridge('reviews', { source: 'sluice.reviews', detailType: 'ReviewAlert' });
    // Assess
    expect(sns.resources).toEqual({
      notificationTopic: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/k',
    });
    expect([sns.name, sqs.name, bus.name]).toEqual(['sns:alerts', 'sqs:alerts.fifo', 'eventbridge:reviews']);
    expect(sqs.resources).toEqual({ queue: 'alerts.fifo' });
    expect(bus.resources).toEqual({ eventBus: 'reviews' });
  });
});
