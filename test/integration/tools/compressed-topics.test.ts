/**
 * A topic a Java producer wrote with snappy, lz4 or zstd reads locally as it does through AWS's mapping, which
 * decompresses every codec: the local tools and the emulator share local/kafka-client.ts, whose kafkajs has the
 * codecs of local/kafka-codecs.ts registered (kafkajs alone fetches gzip only).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaLibs } from '../../../local/services/paths.ts';
import { javaHome } from '../../../local/services/prerequisites.ts';
import { runCli } from '../../support/cli.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { useLocalServers } from '../outputs/support.ts';

useLocalServers();
const broker = endpoints().kafka.brokers[0] ?? '';
const admin = new Kafka({ brokers: [broker], logLevel: logLevel.NOTHING }).admin();
const codecs = ['snappy', 'lz4', 'zstd'] as const;
const topics = Object.fromEntries(codecs.map((c) => [c, uniqueName(`compressed-${c}`)]));
// Long, repetitive values, so each codec really compresses (and a frame holds more than one block for lz4).
const reviewValue = (i: number) => JSON.stringify({ n: i, text: 'review text '.repeat(2_000 + i) });

/** Kafka's own Java ConsoleProducer, as a user's Java service writes the topic. */
const javaProduce = (topic: string, codec: string, lines: readonly string[]): void => {
  const child = spawnSync(
    join(javaHome(), 'bin', 'java'),
    [
      '-Xmx128m',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      `${kafkaLibs}/*`,
      'org.apache.kafka.tools.ConsoleProducer',
      '--bootstrap-server',
      broker,
      '--topic',
      topic,
      '--compression-codec',
      codec,
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=\t',
    ],
    { input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 60_000 },
  );
  if (child.status !== 0) throw new Error(`ConsoleProducer failed: ${child.stderr}`);
};

describe('topics a Java producer compressed, read by the local tools', () => {
  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: codecs.map((c) => ({ topic: topics[c] ?? '', numPartitions: 1, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    for (const codec of codecs)
      javaProduce(
        topics[codec] ?? '',
        codec,
        [0, 1, 2].map((i) => `k-${i}\t${reviewValue(i)}`),
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
