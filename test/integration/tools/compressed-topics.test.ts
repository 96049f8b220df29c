/**
 * A topic a Java producer wrote with snappy, lz4 or zstd reads locally as it does through AWS's mapping, which
 * decompresses every codec: the local tools and the emulator share local/kafka-client.ts, whose kafkajs has the
 * codecs of local/kafka-codecs.ts registered (kafkajs alone fetches gzip only).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { javaProduce } from '../../support/java-kafka.ts';
import { useLocalServers } from '../outputs/support.ts';

useLocalServers();
const broker = endpoints().kafka.brokers[0] ?? '';
const admin = new Kafka({ brokers: [broker], logLevel: logLevel.NOTHING }).admin();
const codecs = ['snappy', 'lz4', 'zstd'] as const;
const topics = Object.fromEntries(codecs.map((c) => [c, uniqueName(`compressed-${c}`)]));
// Long, repetitive values, so each codec really compresses (and a frame holds more than one block for lz4).
const reviewValue = (i: number) => JSON.stringify({ n: i, text: 'review text '.repeat(2_000 + i) });

describe('topics a Java producer compressed, read by the local tools', () => {
  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: codecs.map((c) => ({ topic: topics[c] ?? '', numPartitions: 1, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    for (const codec of codecs)
      javaProduce(
        broker,
        topics[codec] ?? '',
        codec,
        [0, 1, 2].map((i) => ({ key: `k-${i}`, value: reviewValue(i) })),
      );
  }, 180_000);
  afterAll(async () => {
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  });

  it.each(codecs)(
    'npm run tail prints every %s-compressed record as it was written',
    async (codec) => {
      // Act
      const { code, output } = await runCli('local/tools/tail.ts', [topics[codec] ?? '']);

      // Assess
      expect(code, output).toBe(0);
      const records = output
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { key: string; value: unknown });
      expect(records.map((r) => r.key)).toEqual(['k-0', 'k-1', 'k-2']);
      expect(records.map((r) => r.value)).toEqual([0, 1, 2].map((i) => JSON.parse(reviewValue(i))));
    },
    90_000,
  );
});
