import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { useLocalServers } from '../outputs/support.ts';

useLocalServers();
const run = promisify(execFile);
const kafka = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const topic = uniqueName('tail');
const empty = uniqueName('tail-empty');
const tail = (...args: string[]) => runCli('local/tools/tail.ts', args);
const usage = 'usage: npm run tail -- <topic> [--follow] [--limit N]';

describe('npm run tail, run as a user runs it', () => {
  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 1, replicationFactor: 1 },
        { topic: empty, numPartitions: 1, replicationFactor: 1 },
      ],
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
    await admin.deleteTopics({ topics: [topic, empty] }).catch(() => undefined);
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

  it('prints every record and exits 0 at the end of the topic without --limit', async () => {
    // Act
    const { code, output } = await tail(topic);

    // Assess
    expect(code, output).toBe(0);
    expect(
      output
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).key),
    ).toEqual(['k-0', 'k-1', 'k-2', 'k-3', 'k-4']);
  }, 90_000);

  it('says an empty topic is empty and exits 0', async () => {
    // Act
    const { code, output } = await tail(empty);

    // Assess
    expect(code).toBe(0);
    expect(output.trim()).toBe(`${empty} is empty`);
  });

  it('exits 1 naming a topic that does not exist', async () => {
    // Act
    const { code, output } = await tail('reviews.nosuch');

    // Assess
    expect(code).toBe(1);
    expect(output).toContain('error: no topic named reviews.nosuch');
  });

  it('with --follow prints what is there, keeps waiting, and ends with exit 0 on Ctrl-C (SIGINT)', async () => {
    // Prepare
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/tools/tail.ts', topic, '--follow'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const seen = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('"k-4"')) resolve();
      }),
    );
    await seen;
    await new Promise((resolve) => setTimeout(resolve, 500)); // still running past the end of the topic
    expect(child.exitCode).toBeNull();

    // Act
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');

    // Assess
    expect(code).toBe(0);
    expect(output.trim().split('\n')).toHaveLength(5);
  }, 90_000);

  it.each([
    [[], 'error: expected 1 argument(s), got 0'],
    [['t', '--limit', 'five'], 'error: --limit five: expected a whole number'],
    [['t', '--limit', '0'], 'error: --limit 0: expected 1 or more'],
    [['t', '--folow'], "error: Unknown option '--folow'"],
  ])('%j exits 2 with the mistake and the usage line', async (args, mistake) => {
    // Act
    const { code, output } = await tail(...args);

    // Assess
    expect(code).toBe(2);
    expect(output).toContain(mistake);
    expect(output).toContain(usage);
  });
});
