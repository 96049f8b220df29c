import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { useLocalServers } from '../outputs/support.ts';

useLocalServers();
const run = promisify(execFile);
const kafka = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const topic = uniqueName('tail');

describe('npm run tail, run as a user runs it', () => {
  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 5 }, (_, i) => ({
        key: `k-${i}`,
        value: JSON.stringify({ n: i }),
        headers: { constructor: 'c', trace: ['t-1', 't-2'] },
      })),
    });
    await producer.disconnect();
  }, 60_000);
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('prints --limit records with every header and exits 0 on its own', async () => {
    // Act
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'local/tools/tail.ts', topic, '--limit', '2'],
      {
        timeout: 60_000,
      },
    );
    // Assess
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ key: 'k-0', value: { n: 0 } });
    const expected: unknown = [{ constructor: 'c' }, { trace: 't-1' }, { trace: 't-2' }];
    expect(lines[0]?.headers).toEqual(expected);
  }, 90_000);
});
