import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '../../../local/bundle.ts';
import type { MappingConfig } from '../../../local/esm/config.ts';
import { localMappingUuid } from '../../../local/esm/failed-batches.ts';
import type { EventSourceMapping } from '../../../local/esm/mapping.ts';
import { startMapping } from '../../../local/esm/start.ts';
import { FunctionPool } from '../../../local/lambda/pool.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';

interface Invocation {
  keys: string[];
  offsets: number[];
  partitions: number[];
  ok: boolean;
}

const kafka = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
const s3 = new S3Client({ ...localAws(endpoints().s3.endpoint), forcePathStyle: true });
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
  s3.destroy();
});

/** The first `count` messages of a topic, key and value as text. */
const readTopic = async (topic: string, count: number) => {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const messages: { key: string | undefined; value: string | undefined }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        messages.push({ key: message.key?.toString(), value: message.value?.toString() });
      },
    });
    await waitFor(() => messages.length >= count);
    // A moment more: anything beyond `count` would show here.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await consumer.disconnect();
  }
  return messages;
};

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
    expect(mapping.stats.FilteredOutEventCount).toBe(3);
  });

  it("retries a failing batch, then puts AWS's invocation record, records included, into the S3 server under AWS's key layout, and goes on", async () => {
    // Prepare
    const bucket = uniqueName('failed');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const s = await scenario(1, {
      batchSize: 2,
      maximumRetryAttempts: 2,
      onFailure: { kind: 's3', bucket, endpoint: endpoints().s3.endpoint },
    });
    await produce(s.topic, [{ i: 0 }, { i: 1 }, { fail: true }, { i: 3 }, { i: 4 }]);

    // Act
    const mapping = await s.start();
    await waitFor(async () => (await s.committed()) === 5);

    // Assess
    expect(s.invocations().filter((c) => !c.ok)).toHaveLength(3);
    expect(mapping.stats.retries).toBe(2);
    // AWS's mapping metrics: 5 records polled and committed; 2 + 3 × 2 + 1 records sent (3 attempts of the
    // failing batch); its 2 records failed 3 times and then reached the destination; nothing left behind.
    expect(mapping.stats).toMatchObject({
      PolledEventCount: 5,
      InvokedEventCount: 9,
      FailedInvokeEventCount: 6,
      OnFailureDestinationDeliveredEventCount: 2,
      DroppedEventCount: 0,
      CommittedEventCount: 5,
    });
    expect(mapping.offsetLag()).toEqual({ MaxOffsetLag: 0, SumOffsetLag: 0 });
    const prefix = `aws/lambda/${localMappingUuid('recorder', s.topic)}/${s.topic}-0/`;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => o.Key as string);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(
      new RegExp(
        `^${prefix.replaceAll('.', '\\.')}\\d{4}/\\d{2}/\\d{2}/\\d{4}-\\d{2}-\\d{2}T\\d{2}\\.\\d{2}\\.\\d{2}-[0-9a-f-]{36}$`,
      ),
    );
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0] }));
    const record = JSON.parse(await object.Body!.transformToString());
    expect(record).toMatchObject({
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:recorder',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      KafkaBatchInfo: {
        batchSize: 2,
        recordsInfo: { [`${s.topic}-0`]: { firstRecordOffset: '2', lastRecordOffset: '3' } },
      },
    });
    // The whole event as a JSON string: the failed records themselves, key, value and offsets.
    expect(typeof record.payload).toBe('string');
    expect(record.KafkaBatchInfo.payloadSize).toBe(Buffer.byteLength(record.payload));
    const failed = JSON.parse(record.payload).records[`${s.topic}-0`];
    expect(failed.map((r: { offset: number }) => r.offset)).toEqual([2, 3]);
    expect(
      failed.map((r: { value: string }) => JSON.parse(Buffer.from(r.value, 'base64').toString())),
    ).toEqual([{ fail: true }, { i: 3 }]);
    expect(Buffer.from(failed[0].key, 'base64').toString()).toBe('key-2');
    expect(
      s
        .invocations()
        .filter((c) => c.ok)
        .flatMap((c) => c.offsets),
    ).toContain(4);
  });

  it("in provisioned mode with bisection, sends only the failing record to a Kafka destination, keyed as it was, in AWS's record format", async () => {
    // Prepare
    const failedTopic = uniqueName('esm-failed');
    await admin.createTopics({ topics: [{ topic: failedTopic, numPartitions: 1 }], waitForLeaders: true });
    const s = await scenario(1, {
      batchSize: 4,
      batchingWindowMs: 300,
      maximumRetryAttempts: 1,
      splitBatchOnError: true,
      onFailure: { kind: 'topic', topic: failedTopic },
    });
    await producer.send({
      topic: s.topic,
      acks: -1,
      messages: [
        { key: 'a', value: JSON.stringify({ i: 0 }) },
        { key: 'b', value: JSON.stringify({ fail: true }), headers: { trace: 'x-1' } },
        { key: 'c', value: JSON.stringify({ i: 2 }) },
      ],
    });

    // Act
    await s.start();
    await waitFor(async () => (await s.committed()) === 3);
    const received = await readTopic(failedTopic, 1);

    // Assess
    expect(received).toHaveLength(1);
    const [message] = received;
    expect(message?.key).toBe('b');
    const value = JSON.parse(message?.value ?? '');
    expect(value).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      KafkaBatchInfo: { batchSize: 1, recordInfo: { offset: '1' } },
    });
    const [record] = value.payload.records[`${s.topic}-0`];
    expect(record).toMatchObject({ offset: 1, key: Buffer.from('b').toString('base64') });
    expect(JSON.parse(Buffer.from(record.value, 'base64').toString())).toEqual({ fail: true });
    expect(record.headers).toEqual([{ trace: [...Buffer.from('x-1')] }]);
    expect(value.KafkaBatchInfo.payloadSize).toBe(Buffer.byteLength(JSON.stringify(value.payload)));
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
