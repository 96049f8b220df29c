import { describe, expect, it } from 'vitest';
import type { ProducedMessage, SendOptions, TopicMessages } from '../../../shared/clients/kafka.ts';
import { MessageTooLargeError, RecordRejectedError } from '../../../shared/errors.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, toTopic } from '../../../shared/outputs/topic.ts';
import { createTopicWriter } from '../../../shared/outputs/topic-writer.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { flowRecord } from './records.ts';

const KB = 1000;

/** A review of about `bytes` bytes, keyed by `key`, at `offset`. */
const review = (offset: number, bytes: number, key = 'customer-42'): FlowRecord =>
  flowRecord({ offset, key, value: { reviewId: `r-${offset}`, text: 'x'.repeat(bytes) } });

interface Sent {
  readonly messages: readonly ProducedMessage[];
  readonly options: SendOptions | undefined;
}

/**
 * A fake producer: records every send; partitions keys by their first character's code (or not at all), and
 * refuses as MESSAGE_TOO_LARGE any send whose message bytes pass `brokerLimit` (a broker stricter than declared).
 */
const fakeProducer = (options: { partitions?: number; brokerLimit?: number } = {}) => {
  const sends: Sent[] = [];
  const producer = {
    async sendBatch(batch: readonly TopicMessages[], sendOptions?: SendOptions) {
      const messages = batch.flatMap((t) => t.messages);
      const bytes = messages.reduce((sum, m) => sum + (m.value?.length ?? 0), 0);
      if (options.brokerLimit !== undefined && bytes > options.brokerLimit)
        throw new MessageTooLargeError('KafkaJSProtocolError: MESSAGE_TOO_LARGE');
      sends.push({ messages, options: sendOptions });
    },
    ...(options.partitions === undefined
      ? {}
      : {
          partitionOf: (_topic: string, key: Buffer | null) =>
            key === null ? undefined : (key[0] ?? 0) % (options.partitions as number),
        }),
  };
  return { producer, sends };
};

const offsetsOf = (send: Sent): number[] =>
  send.messages.map((m) => Number(m.headers.find((h) => h.key === 'sluice.source.offset')?.value));

const writer = (
  producer: ReturnType<typeof fakeProducer>['producer'],
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
) => createTopicWriter({ name: 'topic:out', topic: 'out', producer: () => producer, maxMessageBytes });

describe('topic output sends', () => {
  it('delivers three 500 KB reviews with one key in sends that each fit the topic, in order', async () => {
    // Prepare
    const { producer, sends } = fakeProducer({ partitions: 3 });
    const records = [review(1, 500 * KB), review(2, 500 * KB), review(3, 500 * KB)];
    // Act
    const result = await writer(producer).write(records, { flowName: 'f' });
    // Assess
    expect(result).toEqual({ written: 3, deadLetters: [] });
    expect(sends.map(offsetsOf)).toEqual([[1, 2], [3]]);
    for (const send of sends) {
      const bytes = send.messages.reduce((sum, m) => sum + (m.value?.length ?? 0), 0);
      expect(bytes).toBeLessThan(DEFAULT_MAX_MESSAGE_BYTES);
    }
  });

  it('counts bytes per partition: records for different partitions share a send', async () => {
    // Prepare: keys "a" and "b" go to different partitions
    const { producer, sends } = fakeProducer({ partitions: 2 });
    const records = [review(1, 400 * KB, 'a'), review(2, 400 * KB, 'b'), review(3, 400 * KB, 'a')];
    records.push(review(4, 400 * KB, 'b'));
    // Act
    await writer(producer).write(records, { flowName: 'f' });
    // Assess
    expect(sends.map(offsetsOf)).toEqual([[1, 2, 3, 4]]);
  });

  it('counts a record whose partition is unknown against every partition', async () => {
    // Prepare: no partition count learnt yet (first send), so nothing is known
    const { producer, sends } = fakeProducer();
    const records = [review(1, 400 * KB, 'a'), review(2, 400 * KB, 'b'), review(3, 400 * KB, 'a')];
    // Act
    await writer(producer).write(records, { flowName: 'f' });
    // Assess
    expect(sends.map(offsetsOf)).toEqual([[1, 2], [3]]);
  });

  it('dead-letters a record too large on its own with the reason, and sends the rest', async () => {
    // Prepare
    const { producer, sends } = fakeProducer({ partitions: 3 });
    const records = [review(1, 10 * KB), review(2, 2_000 * KB), review(3, 10 * KB)];
    // Act
    const result = await writer(producer).write(records, { flowName: 'f' });
    // Assess
    expect(result.written).toBe(2);
    expect(result.deadLetters.map((d) => [d.record, d.stage])).toEqual([[records[1], 'output']]);
    expect(result.deadLetters[0]?.error).toBeInstanceOf(RecordRejectedError);
    expect(result.deadLetters[0]?.error.message).toMatch(
      /exceeds the 1048588-byte limit \(max.message.bytes\)/,
    );
    expect(sends.map(offsetsOf)).toEqual([[1, 3]]);
  });

  it('splits a send the broker refuses as too large, and dead-letters a record it refuses alone', async () => {
    // Prepare: the broker accepts 250 KB per send, less than the declared limit
    const { producer, sends } = fakeProducer({ partitions: 1, brokerLimit: 250 * KB });
    const records = [review(1, 100 * KB), review(2, 100 * KB), review(3, 300 * KB), review(4, 100 * KB)];
    // Act
    const result = await writer(producer).write(records, { flowName: 'f' });
    // Assess
    expect(result.written).toBe(3);
    expect(result.deadLetters.map((d) => d.record)).toEqual([records[2]]);
    expect(result.deadLetters[0]?.error.message).toMatch(
      /refused the record as too large: .*MESSAGE_TOO_LARGE/,
    );
    expect(sends.flatMap(offsetsOf)).toEqual([1, 2, 4]);
  });

  it('dead-letters a record whose value cannot be encoded (a 20,000-deep array) and sends the rest', async () => {
    // Prepare: JSON.parse builds it, JSON.stringify overflows the stack on it
    const deep = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    const bigint = { n: 1n };
    const { producer, sends } = fakeProducer();
    const records = [review(1, 10), { ...flowRecord({ offset: 2 }), value: deep }, review(3, 10)];
    records.push({ ...flowRecord({ offset: 4 }), value: bigint });
    // Act
    const result = await writer(producer).write(records, { flowName: 'f' });
    // Assess
    expect(result.written).toBe(2);
    expect(result.deadLetters.map((d) => [d.record.source.offset, d.stage, d.error.name])).toEqual([
      [2, 'output', 'RecordRejectedError'],
      [4, 'output', 'RecordRejectedError'],
    ]);
    expect(result.deadLetters[0]?.error.message).toMatch(
      /cannot encode the record for topic out: RangeError/,
    );
    expect(result.deadLetters[1]?.error.message).toMatch(/cannot encode the record for topic out: TypeError/);
    expect(sends.map(offsetsOf)).toEqual([[1, 3]]);
  });

  it('gives every send the invocation time left, minus a reserve for the dead letters and the summary', async () => {
    // Prepare
    const { producer, sends } = fakeProducer();
    // Act
    await writer(producer).write([review(1, 10)], { flowName: 'f', deadlineMs: 10_000 });
    await writer(producer).write([review(2, 10)], { flowName: 'f' });
    // Assess
    const budget = sends[0]?.options?.budgetMs ?? 0;
    expect(budget).toBeGreaterThan(8_900);
    expect(budget).toBeLessThanOrEqual(9_000);
    expect(sends[1]?.options).toEqual({});
  });

  it('takes the limit from the declared topic (MSK Serverless: 8 MiB), and the option over it', async () => {
    // Prepare: records too large for each limit, so nothing is sent (no broker needed)
    const topics = defineTopics({
      plain: { name: 'plain', format: 'json', partitions: 1 },
      big: { name: 'big', format: 'json', partitions: 1, maxMessageBytes: 8_388_608 },
    });
    const limitIn = async (spec: ReturnType<typeof toTopic>, bytes: number) => {
      const result = await spec.create().write([review(1, bytes)], { flowName: 'f' });
      return result.deadLetters[0]?.error.message.match(/the (\d+)-byte limit/)?.[1];
    };
    // Act
    const limits = [
      await limitIn(toTopic(topics.plain), 1_100 * KB),
      await limitIn(toTopic(topics.big), 8_400 * KB),
      await limitIn(toTopic(topics.big, { maxMessageBytes: 2_000_000 }), 2_100 * KB),
    ];
    // Assess
    expect(limits).toEqual(['1048588', '8388608', '2000000']);
    expect(() =>
      defineTopics({ t: { name: 't', format: 'json', partitions: 1, maxMessageBytes: 10 } }),
    ).toThrow(/topics\.t\.maxMessageBytes: must be ≥ 1024/);
  });
});
