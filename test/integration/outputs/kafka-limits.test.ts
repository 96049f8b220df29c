import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaProducer, kafkaProducer } from '../../../shared/clients/kafka.ts';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import type { KafkaEvent } from '../../../shared/decode/event.ts';
import { handlerFor } from '../../../shared/handler/handler-for.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, toTopic } from '../../../shared/outputs/topic.ts';
import { createTopicWriter } from '../../../shared/outputs/topic-writer.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { flowRecord } from '../../unit/outputs/records.ts';
import { useLocalServers } from './support.ts';

useLocalServers();
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const brokers = endpoints().kafka.brokers;
const kafka = new Kafka({ clientId: 'limits-test', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const KB = 1000;

/** Creates a topic whose `max.message.bytes` is set, as MSK sets it (1 MiB + 12 by default). */
const createTopic = async (prefix: string, partitions: number, maxMessageBytes: number): Promise<string> => {
  const topic = uniqueName(prefix);
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: partitions,
        configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }],
      },
    ],
    waitForLeaders: true,
  });
  return topic;
};

interface Consumed {
  readonly partition: number;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/** Reads a topic from the beginning up to its current end. */
const consume = async (topic: string): Promise<Consumed[]> => {
  const ends = await admin.fetchTopicOffsets(topic);
  const total = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const consumer = kafka.consumer({ groupId: uniqueName('limits-test'), maxBytesPerPartition: 16 << 20 });
  const seen: Consumed[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    if (total === 0) resolve();
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        seen.push({ partition, key: message.key?.toString() ?? null, value: message.value, headers });
        if (seen.length >= total) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
};

/** A record whose value is `bytes` random bytes: gzip cannot shrink it, so the broker sees its full size. */
const incompressible = (offset: number, bytes: number, key: string): FlowRecord => ({
  ...flowRecord({ topic: 'reviews.raw', partition: 0, offset, key }),
  value: randomBytes(bytes),
});

const offsetOf = (c: Consumed): number => Number(c.headers['sluice.source.offset']);

describe('topic output sends on a real broker with max.message.bytes', () => {
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.disconnect();
    await kafkaProducer().disconnect();
  });

  it('delivers three 500 KB records with one key in separate requests and dead-letters a 2 MB one, order kept', async () => {
    // Prepare
    const topic = await createTopic('limits-big', 3, DEFAULT_MAX_MESSAGE_BYTES);
    let produceRequests = 0;
    const producer = createKafkaProducer({
      brokers,
      auth: { mode: 'plaintext' },
      onRequest: (api) => {
        if (api === 'Produce') produceRequests++;
      },
    });
    const output = createTopicWriter({
      name: `topic:${topic}`,
      topic,
      producer: () => producer,
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    });
    const records = [
      incompressible(1, 500 * KB, 'customer-42'),
      incompressible(2, 1 * KB, 'customer-7'),
      incompressible(3, 500 * KB, 'customer-42'),
      incompressible(4, 2_000 * KB, 'customer-42'),
      incompressible(5, 500 * KB, 'customer-42'),
      incompressible(6, 1 * KB, 'customer-7'),
    ];
    const before = producer.partitionOf?.(topic, Buffer.from('customer-42'));
    // Act
    const result = await output.write(records, { flowName: 'cleanse-reviews', deadlineMs: 50_000 });
    const consumed = await consume(topic);
    const learnt = producer.partitionOf?.(topic, Buffer.from('customer-42'));
    await producer.disconnect();
    // Assess
    expect(result.written).toBe(5);
    expect(result.deadLetters.map((d) => [d.record.source.offset, d.stage])).toEqual([[4, 'output']]);
    expect(result.deadLetters[0]?.error.message).toMatch(/exceeds the 1048588-byte limit/);
    expect(produceRequests).toBeGreaterThan(1);
    expect(consumed.map(offsetOf).sort()).toEqual([1, 2, 3, 5, 6]);
    for (const c of consumed) {
      const sent = records.find((r) => r.source.offset === offsetOf(c));
      expect(c.value?.equals(sent?.value as Buffer)).toBe(true);
    }
    const customer42 = consumed.filter((c) => c.key === 'customer-42');
    expect(new Set(customer42.map((c) => c.partition)).size).toBe(1);
    expect(customer42.map(offsetOf)).toEqual([1, 3, 5]);
    // The first send taught the producer the partition count: later sends are cut per partition
    expect(before).toBeUndefined();
    expect(learnt).toBe(customer42[0]?.partition);
  });

  it('splits a send the broker refuses as too large and dead-letters the record it refuses alone', async () => {
    // Prepare: the topic accepts 300 KB batches, less than the writer was told
    const topic = await createTopic('limits-strict', 1, 300 * KB);
    const output = toTopic(topic).create();
    const records = [
      incompressible(1, 200 * KB, 'a'),
      incompressible(2, 200 * KB, 'a'),
      incompressible(3, 400 * KB, 'a'),
      incompressible(4, 200 * KB, 'a'),
    ];
    // Act
    const result = await output.write(records, { flowName: 'cleanse-reviews', deadlineMs: 50_000 });
    const consumed = await consume(topic);
    // Assess
    expect(result.written).toBe(3);
    expect(result.deadLetters.map((d) => d.record.source.offset)).toEqual([3]);
    expect(result.deadLetters[0]?.error.message).toMatch(/refused the record as too large/);
    expect(consumed.map(offsetOf)).toEqual([1, 2, 4]);
  });

  it('dead-letters large records in split sends, and a dead letter too large for its topic without its value', async () => {
    // Prepare: undecodable JSON values (random bytes) of 500 KB and one of 2 MB
    const dlq = await createTopic('limits-dlq', 1, DEFAULT_MAX_MESSAGE_BYTES);
    const topics = defineTopics({
      raw: { name: 'reviews.raw', format: 'json', partitions: 1 },
      clean: { name: uniqueName('limits-clean'), format: 'json', partitions: 1 },
      dead: { name: dlq, format: 'bytes', partitions: 1 },
    });
    const flow = defineFlow({
      name: 'cleanse-reviews',
      source: { topic: topics.raw },
      steps: [],
      outputs: [toTopic(topics.clean)],
      deadLetter: toTopic(topics.dead),
    });
    const values = [500 * KB, 500 * KB, 2_000 * KB, 500 * KB].map((n) => randomBytes(n));
    const event: KafkaEvent = {
      eventSource: 'SelfManagedKafka',
      records: {
        'reviews.raw-0': values.map((value, offset) => ({
          topic: 'reviews.raw',
          partition: 0,
          offset,
          timestamp: 1_700_000_000_000,
          timestampType: 'CREATE_TIME',
          key: Buffer.from('customer-42').toString('base64'),
          value: value.toString('base64'),
          headers: [{ trace: [...Buffer.from('t')] }],
        })),
      },
    };
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const handler = handlerFor(flow, { logger, metrics: new Metrics({ namespace: 'Test' }) });
    const context = { getRemainingTimeInMillis: () => 50_000 } as unknown as Context;
    // Act
    await handler(event, context);
    const consumed = await consume(dlq);
    // Assess
    // The refused one is sent again after the others, without its value
    expect(consumed.map(offsetOf)).toEqual([0, 1, 3, 2]);
    for (const c of consumed) {
      const i = offsetOf(c);
      expect(c.headers[DeadLetterHeader.Stage]).toBe('decode');
      expect(c.headers.trace).toBe('t');
      if (i === 2) {
        expect(c.value).toBeNull();
        expect(c.headers[DeadLetterHeader.ValueOmittedBytes]).toBe(String(2_000 * KB));
      } else {
        expect(c.value?.equals(values[i] as Buffer)).toBe(true);
      }
    }
  });
});
