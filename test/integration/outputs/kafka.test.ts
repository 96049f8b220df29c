import { type IHeaders, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaProducer } from '../../../shared/clients/kafka.ts';
import { RetriableError } from '../../../shared/errors.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { statusOf } from '../../support/servers.ts';
import { flowRecord, offsets } from '../../unit/outputs/records.ts';
import { bounce, deliver, sleep, useLocalServers } from './support.ts';

useLocalServers();
const kafka = new Kafka({
  clientId: 'outputs-test',
  brokers: endpoints().kafka.brokers,
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();

interface Consumed {
  partition: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

const header = (headers: IHeaders | undefined, name: string): string => String(headers?.[name] ?? '');

/** Reads a topic from the beginning up to its current end (every partition's high watermark). */
const consume = async (topic: string, waitMs = 30_000): Promise<Consumed[]> => {
  // Right after a broker restart leadership may still be moving; ask again until it has settled.
  let ends: Awaited<ReturnType<typeof admin.fetchTopicOffsets>> = [];
  for (let attempt = 1; ; attempt += 1) {
    try {
      ends = await admin.fetchTopicOffsets(topic);
      break;
    } catch (error) {
      if (attempt >= 30) throw error;
      await sleep(500);
    }
  }
  const total = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const consumer = kafka.consumer({ groupId: uniqueName('outputs-test') });
  const seen: Consumed[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const k of Object.keys(message.headers ?? {})) headers[k] = header(message.headers, k);
        seen.push({
          partition,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers,
        });
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

describe('the topic output on a real broker', () => {
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.disconnect();
    await kafkaProducer().disconnect();
  });

  it('produces every record with its key, encoded value, tombstones and lineage headers', async () => {
    // Prepare
    const topic = uniqueName('out-topic');
    await admin.createTopics({ topics: [{ topic, numPartitions: 12 }], waitForLeaders: true });
    const output = toTopic(topic).create();
    const records = [
      flowRecord({ topic: 'reviews', partition: 2, offset: 40, key: 'customer-42', value: { rating: 5 } }),
      flowRecord({ topic: 'reviews', partition: 2, offset: 41, key: 'foobar', value: 'plain text' }),
      flowRecord({ topic: 'reviews', partition: 2, offset: 42, key: 'customer-42', value: null }),
    ];
    // Act
    const result = await output.write(records, { flowName: 'cleanse-reviews' });
    const consumed = await consume(topic);
    // Assess
    expect(result).toEqual({ written: 3, deadLetters: [] });
    // Order holds within a partition only; sort (stably) by partition to compare.
    const received = consumed.map(({ partition, key, value }) => ({ partition, key, value }));
    expect(received.sort((a, b) => a.partition - b.partition)).toEqual(
      [
        // partitions as org.apache.kafka.common.utils.Utils.murmur2 gives them for 12 partitions
        { partition: 6, key: 'foobar', value: 'plain text' },
        { partition: 9, key: 'customer-42', value: '{"rating":5}' },
        { partition: 9, key: 'customer-42', value: null },
      ].sort((a, b) => a.partition - b.partition),
    );
    expect(consumed.find((c) => c.key === 'foobar')?.headers).toMatchObject({
      'sluice.source.topic': 'reviews',
      'sluice.source.partition': '2',
      'sluice.source.offset': '41',
      'sluice.flow': 'cleanse-reviews',
    });
  });

  it('survives a broker restart mid-run: a retriable failure, then every record delivered, duplicates only as whole batches', async () => {
    // Prepare
    const topic = uniqueName('out-restart');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const output = toTopic(topic).create();
    const batches = Array.from({ length: 6 }, (_, b) => offsets(b * 50, 50, { topic: 'src', partition: 0 }));
    // Act: the broker goes away after the second batch and comes back while a later one is being retried
    let restarted: Promise<unknown> = Promise.resolve();
    const delivery = await deliver(batches, (records) => output.write(records, { flowName: 'restart' }), {
      retryEveryMs: 1_000,
      between: async (index) => {
        // Batches keep coming at a steady pace, so the run spans the broker's downtime.
        if (index !== 1) return sleep(1_500);
        // Not awaited: the broker shuts down while the next batches are being sent.
        restarted = bounce('kafka', 4_000);
      },
    });
    await restarted;
    await admin.disconnect();
    await admin.connect();
    const consumed = await consume(topic);
    // Assess
    expect(delivery.failures.length).toBeGreaterThan(0);
    expect(delivery.failures.every((f) => f instanceof RetriableError)).toBe(true);
    const offsetOf = (c: Consumed) => Number(c.headers['sluice.source.offset']);
    expect(new Set(consumed.map(offsetOf))).toEqual(new Set([...Array(300).keys()]));
    const batchOf = (offset: number) => Math.floor(offset / 50);
    const copies = new Map<number, number>();
    for (const c of consumed) copies.set(offsetOf(c), (copies.get(offsetOf(c)) ?? 0) + 1);
    // Duplicates come only from batches that were replayed...
    for (const [offset, count] of copies)
      if (count > 1) expect(delivery.attempts[batchOf(offset)]).toBeGreaterThan(1);
    for (const partition of new Set(consumed.map((c) => c.partition))) {
      const inPartition = consumed.filter((c) => c.partition === partition).map(offsetOf);
      // ...as whole record batches: within a partition every record of a batch has the same number of copies
      // (a send is appended atomically per partition, not across partitions),
      for (const b of new Set(inPartition.map(batchOf))) {
        expect(new Set(inPartition.filter((o) => batchOf(o) === b).map((o) => copies.get(o))).size).toBe(1);
      }
      // and dropping repeats by lineage leaves the source order.
      const firsts = inPartition.filter((o, i) => inPartition.indexOf(o) === i);
      expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
    }
    if (process.env.SLUICE_TEST_VERBOSE) {
      console.log({
        failures: delivery.failures.length,
        attempts: delivery.attempts,
        consumed: consumed.length,
      });
    }
    expect((await statusOf('kafka')).healthy).toBe(true);
  }, 180_000);
});
