import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { jsonOf, readTopic } from '../../support/topics.ts';

const admin = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING }).admin();
const topic = uniqueName('produce');
const dir = mkdtempSync(join(tmpdir(), 'sluice-produce-'));
const produce = (...args: string[]) => runCli('local/tools/produce.ts', args);
const usage = 'usage: npm run produce -- <topic> <records.jsonl>';

describe('npm run produce, run as a user runs it', () => {
  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('publishes every record of the file, a tombstone included, reports how many and exits 0', async () => {
    // Prepare
    const file = join(dir, 'records.jsonl');
    writeFileSync(
      file,
      [
        { key: 'r-1', value: { n: 1 }, headers: { trace: 't-1' } },
        { key: 'r-2', value: { n: 2 } },
        { key: 'r-1', value: null },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );

    // Act
    const { code, output } = await produce(topic, file);

    // Assess
    expect(code, output).toBe(0);
    expect(output).toContain(`produced 3 records from ${file} to ${topic}`);
    expect(output).not.toContain('ERROR');
    const messages = await readTopic(topic);
    expect(
      messages
        .filter((m) => m.value !== null)
        .map((m) => jsonOf(m).n)
        .sort(),
    ).toEqual([1, 2]);
    expect(messages.filter((m) => m.value === null).map((m) => String(m.key))).toEqual(['r-1']);
  });

  it('exits 1 naming the topic when it does not exist, instead of retrying', async () => {
    // Prepare
    const file = join(dir, 'one.jsonl');
    writeFileSync(file, JSON.stringify({ key: 'k', value: { n: 1 } }));

    // Act
    const { code, output } = await produce(uniqueName('no-such-topic'), file);

    // Assess
    expect(code).toBe(1);
    expect(output).toMatch(/error: no topic named no-such-topic\S*/);
  });

  it.each([
    [[], 'error: expected 2 argument(s), got 0'],
    [['reviews.raw'], 'error: expected 2 argument(s), got 1'],
    [['reviews.raw', '/no/such/file.jsonl'], 'error: /no/such/file.jsonl does not exist'],
    [['reviews.raw', 'package.json'], 'not a sample record'],
    [['reviews.raw', 'x.jsonl', '--fast'], "error: Unknown option '--fast'"],
  ])('%j exits 2 with the mistake and the usage line', async (args, mistake) => {
    // Act
    const { code, output } = await produce(...args);

    // Assess
    expect(code).toBe(2);
    expect(output).toContain(mistake);
    expect(output).toContain(usage);
  });
});
