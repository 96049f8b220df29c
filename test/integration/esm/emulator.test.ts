import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '../../../local/bundle.ts';
import type { MappingConfig } from '../../../local/esm/config.ts';
import type { EventSourceMapping } from '../../../local/esm/mapping.ts';
import { startMapping } from '../../../local/esm/start.ts';
import { FunctionPool } from '../../../local/lambda/pool.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';

interface Invocation {
  keys: string[];
  offsets: number[];
  partitions: number[];
  ok: boolean;
}

const kafka = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer();
let bundlePath = '';
const open: { mapping: EventSourceMapping; pool: FunctionPool }[] = [];

beforeAll(async () => {
  await Promise.all([admin.connect(), producer.connect()]);
  bundlePath = (await bundleFunction('recorder', 'test/fixtures/functions/recorder.ts')).path;
});
afterAll(async () => {
  for (const { mapping, pool } of open) {
    await mapping.stop();
    await pool.close();
  }
  await Promise.all([admin.disconnect(), producer.disconnect()]);
});

const waitFor = async (condition: () => Promise<boolean> | boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** A topic, a recorder function and a running mapping on it; returns what the function saw. */
const scenario = async (partitions: number, overrides: Partial<MappingConfig> = {}) => {
  const topic = uniqueName('esm');
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  const dir = mkdtempSync(join(tmpdir(), 'sluice-esm-'));
  const file = join(dir, 'invocations.jsonl');
  const config: MappingConfig = {
    functionName: 'recorder',
    topic,
    consumerGroup: uniqueName('group'),
    batchSize: 50,
    batchingWindowMs: 100,
    startingPosition: 'TRIM_HORIZON',
    maximumRetryAttempts: Number.POSITIVE_INFINITY,
    maximumRecordAgeSeconds: Number.POSITIVE_INFINITY,
    splitBatchOnError: false,
    reportBatchItemFailures: false,
    timeoutMs: 10_000,
    ...overrides,
  };
  const pool = new FunctionPool({
    name: 'recorder',
    bundlePath,
    memoryMb: 128,
    timeoutMs: config.timeoutMs,
    environment: { RECORDER_FILE: file },
    concurrency: partitions,
    logFile: join(dir, 'function.log'),
  });
  const start = async () => {
    const mapping = await startMapping({
      config,
      kafka,
      pool,
      identity: { bootstrapServers: endpoints().kafka.brokers[0]! },
    });
    open.push({ mapping, pool });
    return mapping;
  };
  const invocations = (): Invocation[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line))
      : [];
  const committed = async () => {
    const [offsets] = await admin.fetchOffsets({ groupId: config.consumerGroup, topics: [topic] });
    return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  };
  return { topic, dir, config, start, invocations, committed, pool };
};

const produce = (topic: string, values: unknown[], key = (i: number) => `key-${i % 7}`) =>
  producer.send({
    topic,
    acks: -1,
    messages: values.map((v, i) => ({ key: key(i), value: JSON.stringify(v) })),
  });

describe('the event-source-mapping emulator on a real Kafka', () => {
  it('invokes one partition per batch, in offset order, within the batch size, and commits everything', async () => {
    // Prepare
    const s = await scenario(3);
    await produce(
      s.topic,
      Array.from({ length: 300 }, (_, i) => ({ i })),
    );

    // Act
    await s.start();
    await waitFor(async () => (await s.committed()) === 300);

    // Assess
    const calls = s.invocations();
    expect(calls.every((c) => c.keys.length === 1 && c.offsets.length <= 50)).toBe(true);
    for (const partition of [0, 1, 2]) {
      const offsets = calls.filter((c) => c.partitions[0] === partition).flatMap((c) => c.offsets);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(new Set(offsets).size).toBe(offsets.length);
    }
    expect(calls.flatMap((c) => c.offsets)).toHaveLength(300);
  });

  it('never invokes for records the FilterCriteria drop, and still commits their offsets', async () => {
    // Prepare
    const s = await scenario(1, {
      filterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ value: { rating: [{ numeric: ['<=', 2] }] } }) }],
      },
    });
    await produce(s.topic, [{ rating: 5 }, { rating: 1 }, { rating: 4 }, { rating: 2 }, { rating: 3 }]);

    // Act
    const mapping = await s.start();
    await waitFor(async () => (await s.committed()) === 5);

    // Assess
    expect(s.invocations().flatMap((c) => c.offsets)).toEqual([1, 3]);
    expect(mapping.stats.filtered).toBe(3);
  });

  it('retries a failing batch, then sends it to the on-failure destination and goes on', async () => {
    // Prepare
    const s = await scenario(1, { batchSize: 2, maximumRetryAttempts: 2 });
    const folder = join(s.dir, 'on-failure');
    const config = { ...s.config, onFailure: { kind: 'folder' as const, path: folder } };
    Object.assign(s.config, config);
    await produce(s.topic, [{ i: 0 }, { i: 1 }, { fail: true }, { i: 3 }, { i: 4 }]);

    // Act
    const mapping = await s.start();
    await waitFor(async () => (await s.committed()) === 5);

    // Assess
    const failedCalls = s.invocations().filter((c) => !c.ok);
    expect(failedCalls).toHaveLength(3);
    expect(mapping.stats.retries).toBe(2);
    const files = readdirSync(join(folder, s.topic, '0'));
    expect(files).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(folder, s.topic, '0', files[0]!), 'utf8'));
    expect(record.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(record.KafkaBatchInfo.firstOffset).toBe(2);
    expect(
      s
        .invocations()
        .filter((c) => c.ok)
        .flatMap((c) => c.offsets),
    ).toContain(4);
  });

  it('resumes from the committed offsets after a restart, without re-delivering what was committed', async () => {
    // Prepare
    const s = await scenario(2);
    await produce(
      s.topic,
      Array.from({ length: 40 }, (_, i) => ({ i })),
    );
    const first = await s.start();
    await waitFor(async () => (await s.committed()) === 40);
    await first.stop();

    // Act
    await produce(
      s.topic,
      Array.from({ length: 20 }, (_, i) => ({ i: 40 + i })),
    );
    await s.start();
    await waitFor(async () => (await s.committed()) === 60);

    // Assess
    const offsets = s.invocations().flatMap((c) => c.partitions.map((p, i) => `${p}:${c.offsets[i]}`));
    expect(offsets).toHaveLength(60);
    expect(new Set(offsets).size).toBe(60);
  });

  it('cuts a batch at the batching window when fewer records than the batch size arrive', async () => {
    // Prepare
    const s = await scenario(1, { batchSize: 1000, batchingWindowMs: 300 });
    const started = Date.now();
    await produce(s.topic, [{ i: 0 }, { i: 1 }, { i: 2 }]);

    // Act
    await s.start();
    await waitFor(async () => (await s.committed()) === 3);

    // Assess
    expect(s.invocations().map((c) => c.offsets)).toEqual([[0, 1, 2]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});
