import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { topology } from '../../../functions/topology.ts';
import { failedRecordMessage } from '../../../local/esm/destinations.ts';
import { fetchedRecord } from '../../../local/esm/event.ts';
import { type FlowInfo, flowInfos, runRedrive } from '../../../local/tools/redrive/cli.ts';
import { kafkaProducer } from '../../../shared/clients/kafka.ts';
import { deadLetterRecord } from '../../../shared/dead-letter.ts';
import { RecordRejectedError, Stage, ValidationError } from '../../../shared/errors.ts';
import { handlerFor } from '../../../shared/handler/handler-for.ts';
import type { DeadLetter } from '../../../shared/outputs/output.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import type { FlowRecord, RecordHeader } from '../../../shared/record.ts';
import { validate } from '../../../shared/steps/validate.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { readTopic, topicEndOffsets } from '../../support/topics.ts';
import { useLocalServers } from '../outputs/support.ts';

useLocalServers();
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const kafka = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const s3 = new S3Client({ ...localAws(endpoints().s3.endpoint), forcePathStyle: true });
const flows = async (): Promise<FlowInfo[]> => flowInfos(topology);
const BINARY = Buffer.from([0xff, 0x00, 0xfe]);

/** Runs the tool in-process as the CLI does; returns its exit code and what it printed. */
const redriveCli = async (...argv: string[]) => redriveWith(flows, ...argv);
const redriveWith = async (known: () => Promise<FlowInfo[]>, ...argv: string[]) => {
  const out: string[] = [];
  const code = await runRedrive(argv, { out: (l) => out.push(l), err: (l) => out.push(l), flows: known });
  return { code, output: out.join('\n') };
};

/** A record as it arrived on `topic`, carrying the lineage of the hop before (reviews.raw/1, origin offset 7). */
const original = (topic: string, partition: number, offset: number): FlowRecord => {
  const headers: RecordHeader[] = [
    { key: 'trace', value: Buffer.from('t-1') },
    { key: 'bin', value: BINARY },
    { key: 'sluice.path', value: Buffer.from('reviews.raw/1') },
    { key: 'sluice.origin.offset', value: Buffer.from('7') },
  ];
  return {
    source: {
      topic,
      partition,
      offset,
      timestamp: Date.UTC(2025, 0, 2),
      timestampType: 'CREATE_TIME',
      key: Buffer.from(`key-${offset}`),
      value: Buffer.from(`{"n":${offset},"rating":"five"}`),
      headers,
    },
    key: `key-${offset}`,
    value: { n: offset, rating: 'five' },
    headers: { trace: 't-1', 'sluice.path': 'reviews.raw/1', 'sluice.origin.offset': '7' },
  };
};

/** Dead letters written exactly as the handler writes them: deadLetterRecord through the flow's topic output. */
const writeDeadLetters = async (dlq: string, flow: string, letters: DeadLetter[], omitValue = false) => {
  const result = await toTopic(dlq)
    .create()
    .write(
      letters.map((d) => deadLetterRecord(d, flow, { omitValue })),
      // The originals carry lineage from an earlier hop: their topic is one flows write (internal), as the
      // handler tells its outputs.
      { flowName: flow, trustsLineage: true },
    );
  expect(result.written).toBe(letters.length);
};

const header = (m: KafkaMessage, name: string): Buffer | undefined => {
  const value = m.headers?.[name];
  return value === undefined ? undefined : Buffer.from((Array.isArray(value) ? value[0] : value) as Buffer);
};

describe('npm run redrive on the real local Kafka and S3', () => {
  let source: string;
  let dlq: string;

  beforeAll(async () => {
    await admin.connect();
    source = uniqueName('redrive-src');
    dlq = uniqueName('redrive-dlq');
    await admin.createTopics({
      topics: [
        { topic: source, numPartitions: 3 },
        { topic: dlq, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const validation = (offset: number): DeadLetter => ({
      record: original(source, 1, offset),
      stage: Stage.Validate,
      error: new ValidationError('rating: expected number, received string'),
      component: 'validate-review',
    });
    await writeDeadLetters(dlq, 'cleanse-reviews', [validation(10), validation(11)]);
    await writeDeadLetters(dlq, 'enrich-reviews', [
      {
        record: original(source, 2, 20),
        stage: Stage.Output,
        error: new RecordRejectedError('record too large for reviews.enriched'),
        component: 'reviews-enriched',
      },
    ]);
    // A dead letter the dead-letter topic refused whole: sent without its value.
    await writeDeadLetters(
      dlq,
      'enrich-reviews',
      [
        {
          record: original(source, 0, 30),
          stage: Stage.Output,
          error: new RecordRejectedError('too large'),
          component: 'reviews-enriched',
        },
      ],
      true,
    );
  });

  afterAll(async () => {
    await admin.disconnect();
    await kafkaProducer().disconnect();
    s3.destroy();
  });

  it('publishes each dead letter to its source partition byte for byte, context removed, lineage kept, marked as redriven', async () => {
    // Prepare
    const ledger = uniqueName('ledger');
    const before = await topicEndOffsets(source);
    // Act
    const { code, output } = await redriveCli(dlq, '--ledger', ledger);
    // Assess
    expect(code).toBe(0);
    const redriven = await readTopic(source, before);
    expect(redriven.map((m) => [m.partition, String(m.key), String(m.value)])).toEqual([
      [1, 'key-10', '{"n":10,"rating":"five"}'],
      [1, 'key-11', '{"n":11,"rating":"five"}'],
      [2, 'key-20', '{"n":20,"rating":"five"}'],
    ]);
    const first = redriven[0] as KafkaMessage;
    expect(Object.keys(first.headers ?? {}).sort()).toEqual(
      [
        'bin',
        'sluice.origin.offset',
        'sluice.path',
        'sluice.redrive.at',
        'sluice.redrive.from',
        'sluice.redrive.source',
        'trace',
      ].sort(),
    );
    expect(header(first, 'bin')).toEqual(BINARY);
    expect(String(header(first, 'trace'))).toBe('t-1');
    expect(String(header(first, 'sluice.path'))).toBe('reviews.raw/1');
    expect(String(header(first, 'sluice.origin.offset'))).toBe('7');
    expect(String(header(first, 'sluice.redrive.from'))).toBe(`${dlq}/0/0`);
    expect(String(header(first, 'sluice.redrive.source'))).toBe(`${source}/1/10`);
    expect(output).toMatch(
      /validate\s+ValidationError\s+rating: expected number, received string\s+\S+\s+2\s+0\s+0/,
    );
    expect(output).toMatch(/total\s+3\s+0\s+1/);
    expect(output).toContain(
      `not redrivable: ${dlq}/0/3: value omitted (${original(source, 0, 30).source.value?.length} bytes): re-read it from ${source} partition 0 offset 30 if still retained`,
    );
  });

  it('selects with --where and --flow, writes nothing on --dry-run, and redrives nothing twice', async () => {
    // Prepare
    const ledger = uniqueName('ledger');
    const before = await topicEndOffsets(source);
    // Act
    const dry = await redriveCli(dlq, '--ledger', ledger, '--where', 'stage=validate', '--dry-run');
    const afterDry = await readTopic(source, before);
    const ledgerAfterDry = (await admin.listTopics()).includes(ledger);
    const flow = await redriveCli(
      dlq,
      '--ledger',
      ledger,
      '--flow',
      'enrich-reviews',
      '--where',
      'reason~=large',
    );
    const rest = await redriveCli(dlq, '--ledger', ledger);
    const again = await redriveCli(dlq, '--ledger', ledger);
    const published = await readTopic(source, before);
    // Assess
    expect(dry.code).toBe(0);
    expect(dry.output).toContain('dry run (nothing written)');
    expect(dry.output).toMatch(/total\s+2\s+0\s+0/);
    expect(afterDry).toEqual([]);
    expect(ledgerAfterDry).toBe(false);
    expect(flow.output).toMatch(/left out by --flow\/--where/);
    expect(flow.output).toMatch(/total\s+1\s+0\s+1/);
    expect(rest.output).toMatch(/total\s+2\s+1\s+1/);
    expect(again.output).toMatch(/total\s+0\s+3\s+1/);
    expect(published.map((m) => String(m.key)).sort()).toEqual(['key-10', 'key-11', 'key-20']);
  });

  it('redrives the records of a failed-batch object in the local S3 to their topic and partition, once', async () => {
    // Prepare: the invocation record an S3 on-failure destination receives
    const bucket = uniqueName('failed');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const eventRecord = (offset: number) => ({
      topic: source,
      partition: 2,
      offset,
      timestamp: Date.UTC(2025, 0, 3),
      timestampType: 'CREATE_TIME',
      key: Buffer.from(`fb-${offset}`).toString('base64'),
      value: Buffer.from(`{"fb":${offset}}`).toString('base64'),
      // Java bytes are signed: 0xff arrives as -1.
      headers: [{ trace: [116, 45, 50] }, { bin: [-1, 0, -2] }, { trace: [116, 45, 51] }],
    });
    const invocation = {
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:enrich-reviews',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 11,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2025-01-03T00:00:00.000Z',
      KafkaBatchInfo: {
        batchSize: 2,
        topic: source,
        partition: 2,
        firstOffset: 100,
        lastOffset: 101,
        errorType: 'RetriableError',
        errorMessage: 'kafka send failed: broker down',
      },
      payload: {
        eventSource: 'SelfManagedKafka',
        records: { [`${source}-2`]: [eventRecord(100), eventRecord(101)] },
      },
    };
    const body = JSON.stringify(invocation);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: '_sluice/failed/enrich-reviews/batch-1.json', Body: body }),
    );
    const folder = mkdtempSync(join(tmpdir(), 'sluice-failed-'));
    writeFileSync(join(folder, 'batch-1.json'), body);
    const ledger = uniqueName('ledger');
    const before = await topicEndOffsets(source);
    // Act
    const first = await redriveCli(
      `s3://${bucket}/_sluice/failed/`,
      '--ledger',
      ledger,
      '--flow',
      'enrich-reviews',
    );
    const copy = await redriveCli(`${folder}/`, '--ledger', ledger);
    const published = await readTopic(source, before);
    // Assess
    expect(first.code).toBe(0);
    expect(first.output).toMatch(
      /failed-batch\s+RetriableError\s+kafka send failed: broker down\s+\S+\s+2\s+0\s+0/,
    );
    expect(copy.output).toMatch(/total\s+0\s+2\s+0/);
    expect(published.map((m) => [m.partition, String(m.key), String(m.value)])).toEqual([
      [2, 'fb-100', '{"fb":100}'],
      [2, 'fb-101', '{"fb":101}'],
    ]);
    const headers = (published[0] as KafkaMessage).headers ?? {};
    expect((headers.trace as Buffer[]).map(String)).toEqual(['t-2', 't-3']);
    expect(headers.bin).toEqual(Buffer.from([0xff, 0x00, 0xfe]));
    expect(String(headers['sluice.redrive.from'])).toBe(
      `s3://${bucket}/_sluice/failed/enrich-reviews/batch-1.json#${source}-2@100`,
    );
  });

  it('re-reads a dead letter sent without its value from its source topic with --from-source, when still there', async () => {
    // Prepare: three originals on partition 0 of their topic; dead letters (values omitted) for offset 1 and 99
    const topic = uniqueName('redrive-orig');
    const letters = uniqueName('redrive-dlq-big');
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 2 },
        { topic: letters, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [0, 1, 2].map((n) => ({
        partition: 0,
        key: `big-${n}`,
        value: Buffer.alloc(64, n),
        headers: { 'sluice.path': 'reviews.raw/0', 'sluice.origin.offset': String(n), bin: BINARY },
      })),
    });
    await producer.disconnect();
    const tooLarge = (offset: number): DeadLetter => ({
      record: original(topic, 0, offset),
      stage: Stage.Output,
      error: new RecordRejectedError('too large'),
      component: 'out',
    });
    await writeDeadLetters(letters, 'enrich-reviews', [tooLarge(1), tooLarge(99)], true);
    const before = await topicEndOffsets(topic);
    // Act
    const { code, output } = await redriveCli(letters, '--ledger', uniqueName('ledger'), '--from-source');
    const published = await readTopic(topic, before);
    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(/total\s+1\s+0\s+1/);
    expect(output).toContain(`--from-source: offset 99 of ${topic} partition 0 was not found`);
    expect(published).toHaveLength(1);
    const [copy] = published as [KafkaMessage & { partition: number }];
    expect([copy.partition, String(copy.key), copy.value]).toEqual([0, 'big-1', Buffer.alloc(64, 1)]);
    expect(String(header(copy, 'sluice.origin.offset'))).toBe('1');
    expect(header(copy, 'bin')).toEqual(BINARY);
    expect(String(header(copy, 'sluice.redrive.from'))).toBe(`${letters}/0/0`);
  });

  it('redrives what a real flow run dead-lettered back to the same source partition, with the original bytes', async () => {
    // Prepare: a flow whose schema rejects a string rating, run in process on records read from its topic
    const names = {
      raw: uniqueName('redrive-raw'),
      clean: uniqueName('redrive-clean'),
      dlq: uniqueName('redrive-dl'),
    };
    await admin.createTopics({
      topics: [
        { topic: names.raw, numPartitions: 2 },
        { topic: names.clean, numPartitions: 2 },
        { topic: names.dlq, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const topics = defineTopics({
      raw: { name: names.raw, format: 'json', partitions: 2 },
      clean: { name: names.clean, format: 'json', partitions: 2 },
      dlq: { name: names.dlq, format: 'bytes', partitions: 1 },
    });
    const flow = defineFlow({
      name: 'cleanse-reviews',
      source: { topic: topics.raw },
      steps: [validate(z.looseObject({ reviewId: z.string(), rating: z.int() }))],
      outputs: [toTopic(topics.clean)],
      deadLetter: toTopic(topics.dlq),
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: names.raw,
      messages: [
        { partition: 1, key: 'r1', value: '{"reviewId":"r1","rating":5}', headers: { trace: 'a' } },
        {
          partition: 1,
          key: 'r2',
          value: '{"reviewId":"r2","rating":"five"}',
          headers: { trace: 'b', bin: BINARY },
        },
      ],
    });
    await producer.disconnect();
    const event = {
      eventSource: 'SelfManagedKafka',
      records: {
        [`${names.raw}-1`]: (await readTopic(names.raw)).map((m) => ({
          topic: names.raw,
          partition: m.partition,
          offset: Number(m.offset),
          timestamp: Number(m.timestamp),
          timestampType: 'CREATE_TIME',
          key: m.key?.toString('base64') ?? null,
          value: m.value?.toString('base64') ?? null,
          headers: Object.entries(m.headers ?? {}).map(([k, v]) => ({ [k]: [...(v as Buffer)] })),
        })),
      },
    };
    const handler = handlerFor(flow, { logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }) });
    await handler(event, { getRemainingTimeInMillis: () => 30_000 } as unknown as Context);
    const before = await topicEndOffsets(names.raw);
    // Act
    const { code, output } = await redriveCli(names.dlq, '--ledger', uniqueName('ledger'));
    const redriven = await readTopic(names.raw, before);
    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(/cleanse-reviews\s+validate\s+ValidationError\s+.*rating.*\s+1\s+0\s+0/);
    expect(redriven).toHaveLength(1);
    const [copy] = redriven as [KafkaMessage & { partition: number }];
    expect([copy.partition, String(copy.key), String(copy.value)]).toEqual([
      1,
      'r2',
      '{"reviewId":"r2","rating":"five"}',
    ]);
    expect(Object.keys(copy.headers ?? {}).sort()).toEqual(
      ['bin', 'sluice.redrive.at', 'sluice.redrive.from', 'sluice.redrive.source', 'trace'].sort(),
    );
    expect(header(copy, 'bin')).toEqual(BINARY);
    expect(String(header(copy, 'sluice.redrive.source'))).toBe(`${names.raw}/1/1`);
  });

  it("sends the records of a flow's Kafka on-failure topic back to that flow's source topic as they were", async () => {
    // Prepare: a failed record as a Kafka on-failure destination receives it (the emulator writes AWS's format:
    // the failure metadata, the record itself inside `payload`)
    const failed = uniqueName('redrive-failed');
    await admin.createTopics({ topics: [{ topic: failed, numPartitions: 1 }], waitForLeaders: true });
    const record = fetchedRecord({
      topic: source,
      partition: 1,
      offset: 41,
      timestamp: Date.UTC(2025, 0, 2),
      key: Buffer.from('of-1'),
      value: Buffer.from('{"of":1}'),
      headers: [
        { key: 'sluice.path', value: Buffer.from('reviews.raw/2') },
        { key: 'sluice.origin.offset', value: Buffer.from('4') },
        { key: 'bin', value: BINARY },
      ],
    });
    const identity = { functionName: 'provisioned-flow', mappingUuid: 'u', bootstrapServers: 'b:9092' };
    const reason = {
      condition: 'RetryAttemptsExhausted' as const,
      errorType: 'RetriableError',
      errorMessage: 'down',
      attempts: 11,
    };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: failed,
      messages: [{ key: 'of-1', value: JSON.stringify(failedRecordMessage(identity, record, reason)) }],
    });
    await producer.disconnect();
    const known = async (): Promise<FlowInfo[]> => [
      ...(await flows()),
      { name: 'provisioned-flow', sourceTopic: source, onFailureTopic: failed },
    ];
    const before = await topicEndOffsets(source);
    // Act
    const { code, output } = await redriveWith(
      known,
      failed,
      '--ledger',
      uniqueName('ledger'),
      '--flow',
      'provisioned-flow',
    );
    const published = await readTopic(source, before);
    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(/provisioned-flow\s+on-failure\s+\S+\s+\S+.*\s1\s+0\s+0/);
    expect(published.map((m) => [m.partition, String(m.key), String(m.value)])).toEqual([
      [1, 'of-1', '{"of":1}'],
    ]);
    const [copy] = published as [KafkaMessage & { partition: number }];
    expect(String(header(copy, 'sluice.path'))).toBe('reviews.raw/2');
    expect(String(header(copy, 'sluice.origin.offset'))).toBe('4');
    expect(header(copy, 'bin')).toEqual(BINARY);
  });

  it('runs as a user runs it: npm run redrive exits 0 with the report, 2 with the usage line on bad arguments', async () => {
    // Prepare
    const run = promisify(execFile);
    const npm = (...args: string[]) =>
      run('npm', ['run', '--silent', 'redrive', '--', ...args], { cwd: process.cwd() }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    // Act
    const ok = await npm(dlq, '--ledger', uniqueName('ledger'), '--dry-run');
    const bad = await npm(dlq, '--where', 'colour=red');
    // Assess
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/total\s+3\s+0\s+1/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--where colour=red: expected stage=S, class=C or reason~=TEXT');
    expect(bad.stderr).toContain('usage: npm run redrive --');
  }, 120_000);
});
