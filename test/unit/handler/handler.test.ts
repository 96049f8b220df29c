import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import type { KafkaEvent } from '../../../shared/decode/event.ts';
import { enrich } from '../../../shared/enrich/enrich.ts';
import { ConfigError, RecordRejectedError, RetriableError } from '../../../shared/errors.ts';
import { where } from '../../../shared/filter/where.ts';
import { handlerFor } from '../../../shared/handler/handler-for.ts';
import { MetricName } from '../../../shared/metrics.ts';
import { map } from '../../../shared/steps/map.ts';
import { route } from '../../../shared/steps/route.ts';
import type { Step } from '../../../shared/steps/step.ts';
import { validate } from '../../../shared/steps/validate.ts';
import { defineFlow, type FlowOptions } from '../../../shared/topology/flow.ts';
import { defineTables, defineTopics } from '../../../shared/topology/resources.ts';
import { FakeDynamoDb } from '../enrich/fake-dynamodb.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

beforeAll(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const topics = defineTopics({
  raw: { name: 'reviews.raw', format: 'json', partitions: 2 },
  clean: { name: 'reviews.clean', format: 'json', partitions: 2 },
  alerts: { name: 'reviews.alerts', format: 'json', partitions: 1 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});
const tables = defineTables({ customers: { name: 'customers', partitionKey: 'customerId' } });
const review = z.looseObject({ reviewId: z.string(), rating: z.int().min(1).max(5) });
const context = {
  functionName: 'f',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const build = (overrides: Partial<FlowOptions> = {}, source: Partial<FlowOptions['source']> = {}) => {
  const clean = memoryTopic(topics.clean);
  const alerts = memoryTopic(topics.alerts, where({ rating: { lte: 2 } }));
  const dead = memoryTopic(topics.dead);
  const flow = defineFlow({
    name: 'cleanse-reviews',
    source: { topic: topics.raw, ...source },
    steps: [validate(review)],
    outputs: [clean, alerts],
    deadLetter: dead,
    ...overrides,
  });
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
  const logs = {
    debug: vi.spyOn(logger, 'debug'),
    info: vi.spyOn(logger, 'info'),
    warn: vi.spyOn(logger, 'warn'),
    error: vi.spyOn(logger, 'error'),
  };
  const addMetric = vi.spyOn(metrics, 'addMetric');
  const handler = handlerFor(flow, { logger, metrics, ports: {} });
  return { flow, clean, alerts, dead, handler, logs, addMetric };
};

const metricValue = (spy: ReturnType<typeof vi.spyOn>, name: string): unknown =>
  spy.mock.calls.find((call: unknown[]) => call[0] === name)?.[2];

describe('handlerFor', () => {
  it('decodes, validates, fans out by `when`, dead-letters the invalid record, and logs one summary line', async () => {
    // Prepare
    const { clean, alerts, dead, handler, logs, addMetric } = build();
    const event = kafkaEvent([
      { offset: 10, value: { reviewId: 'r1', rating: 5 } },
      { offset: 11, value: { reviewId: 'r2', rating: 1 } },
      { offset: 12, value: { reviewId: 'r3', rating: 'bad' } },
      { offset: 3, partition: 1, value: { reviewId: 'r4', rating: 2 } },
    ]);
    // Act
    const response = await handler(event, context);
    // Assess
    expect(response).toBeUndefined();
    expect(clean.output.records.map((r) => r.key)).toEqual(['k-10', 'k-11', 'k-3']);
    expect(alerts.output.records.map((r) => r.key)).toEqual(['k-11', 'k-3']);
    expect(dead.output.records).toHaveLength(1);
    expect(dead.output.records[0]?.headers).toMatchObject({
      [DeadLetterHeader.Stage]: 'validate',
      [DeadLetterHeader.ErrorClass]: 'ValidationError',
      [DeadLetterHeader.SourceOffset]: '12',
      [DeadLetterHeader.Flow]: 'cleanse-reviews',
    });
    // A batch that dead-lettered a record says so at WARN, the default level's floor for the handler's lines.
    expect(logs.info).not.toHaveBeenCalled();
    expect(logs.debug).not.toHaveBeenCalled();
    expect(logs.warn).toHaveBeenCalledTimes(1);
    expect(logs.warn.mock.calls[0]?.[0]).toBe('batch');
    expect(logs.warn.mock.calls[0]?.[1]).toMatchObject({
      flow: 'cleanse-reviews',
      topic: 'reviews.raw',
      partitions: [
        { partition: 'reviews.raw-0', offsets: '10-12', count: 3 },
        { partition: 'reviews.raw-1', offsets: '3-3', count: 1 },
      ],
      recordsIn: 4,
      deadLettered: 1,
      out: { 'topic:reviews.clean': 3, 'topic:reviews.alerts': 2 },
    });
    expect(metricValue(addMetric, MetricName.RecordsIn)).toBe(4);
    expect(metricValue(addMetric, MetricName.RecordsDeadLettered)).toBe(1);
    expect(metricValue(addMetric, MetricName.RecordAge)).toEqual(expect.any(Number));
  });

  it('loses nothing from the bad-records fixture: every record ends in an output or the dead-letter output', async () => {
    // Prepare
    const { clean, dead, handler } = build();
    const event: KafkaEvent = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../events/lambda/msk-bad-records.json'), 'utf8'),
    );
    // Act
    await handler(event, context);
    // Assess
    const offsets = [...clean.output.records, ...dead.output.records]
      .map((r) => r.source.offset)
      .sort((a, b) => a - b);
    expect(offsets).toEqual([77, 500, 501, 502, 503, 504, 505]);
    expect(dead.output.records.map((r) => [r.source.offset, r.headers[DeadLetterHeader.Stage]])).toEqual([
      [500, 'decode'],
      [501, 'decode'],
      [502, 'validate'],
      [77, 'decode'],
    ]);
    expect(clean.output.records.find((r) => r.source.offset === 503)?.value).toBeNull();
    expect(clean.output.records.find((r) => r.source.offset === 504)?.key).toBeNull();
  });

  it('carries a 1 MB value through validation to the output', async () => {
    // Prepare
    const { clean, handler } = build();
    const big = { reviewId: 'big', rating: 4, text: 'x'.repeat(1_000_000) };
    // Act
    await handler(kafkaEvent([{ offset: 1, value: big }]), context);
    // Assess
    expect((clean.output.records[0]!.value as typeof big).text).toHaveLength(1_000_000);
  });

  it('handles an event with no records as an empty, successful batch', async () => {
    const { handler, logs } = build();
    await expect(handler({ eventSource: 'aws:kafka', records: {} }, context)).resolves.toBeUndefined();
    expect(logs.debug.mock.calls[0]?.[1]).toMatchObject({ recordsIn: 0, partitions: [] });
  });

  it('creates each output once per execution environment, not per invocation', async () => {
    // Prepare
    const { clean, dead, handler } = build();
    const event = kafkaEvent([
      { offset: 1, value: { reviewId: 'r', rating: 9 } },
      { offset: 2, value: { reviewId: 'r', rating: 3 } },
    ]);
    // Act
    await handler(event, context);
    await handler(event, context);
    // Assess
    expect(clean.created()).toBe(1);
    expect(dead.created()).toBe(1);
  });

  it('applies the source filter in-process too, counting what it drops', async () => {
    const { clean, handler, logs } = build({}, { filter: where({ rating: { gte: 3 } }) });
    await handler(
      kafkaEvent([
        { offset: 1, value: { reviewId: 'a', rating: 1 } },
        { offset: 2, value: { reviewId: 'b', rating: 4 } },
      ]),
      context,
    );
    expect(clean.output.records.map((r) => r.key)).toEqual(['k-2']);
    expect(logs.debug.mock.calls[0]?.[1]).toMatchObject({ filtered: 1 });
  });

  it('counts the replayed copies an output left out, in the summary line and as a metric', async () => {
    // Prepare
    const { clean, handler, logs, addMetric } = build();
    const write = clean.output.write.bind(clean.output);
    clean.output.write = async (records, ctx) => ({ ...(await write(records, ctx)), replayed: 2 });
    // Act
    await handler(kafkaEvent([{ offset: 1, value: { reviewId: 'r', rating: 4 } }]), context);
    // Assess
    expect(logs.debug.mock.calls[0]?.[1]).toMatchObject({ counters: { [MetricName.RecordsReplayed]: 2 } });
    expect(metricValue(addMetric, MetricName.RecordsReplayed)).toBe(2);
  });

  it('sends routed records to their one topic output only', async () => {
    // Prepare
    const routeStep = route({
      to: [topics.clean, topics.alerts],
      select: (v) => (v.rating <= 2 ? topics.alerts : topics.clean),
    });
    const clean = memoryTopic(topics.clean);
    const alerts = memoryTopic(topics.alerts);
    const flow = defineFlow({
      name: 'router',
      source: { topic: topics.raw },
      steps: [routeStep],
      outputs: [clean, alerts],
      deadLetter: memoryTopic(topics.dead),
    });
    const handler = handlerFor(flow, {
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'T' }),
    });
    // Act
    await handler(
      kafkaEvent([
        { offset: 1, value: { rating: 1 } },
        { offset: 2, value: { rating: 5 } },
      ]),
      context,
    );
    // Assess
    expect(alerts.output.records.map((r) => r.key)).toEqual(['k-1']);
    expect(clean.output.records.map((r) => r.key)).toEqual(['k-2']);
  });

  it('fails the whole batch on a retriable output failure when partial responses are off', async () => {
    // Prepare
    const { clean, handler, logs } = build();
    clean.output.failWith = new RetriableError('broker unavailable');
    // Act / Assess
    await expect(
      handler(kafkaEvent([{ offset: 1, value: { reviewId: 'a', rating: 4 } }]), context),
    ).rejects.toThrow('broker unavailable');
    expect(logs.error).toHaveBeenCalledTimes(1);
  });

  it('reports the lowest affected offset per partition when partial responses are on', async () => {
    // Prepare
    const { clean, alerts, handler } = build(
      {},
      { errorHandling: { reportBatchItemFailures: true }, provisionedPollers: {} },
    );
    alerts.output.failWith = new RetriableError('search throttled');
    const event = kafkaEvent([
      { offset: 10, value: { reviewId: 'a', rating: 5 } },
      { offset: 11, value: { reviewId: 'b', rating: 1 } },
      { offset: 12, value: { reviewId: 'c', rating: 2 } },
      { offset: 4, partition: 1, value: { reviewId: 'd', rating: 5 } },
    ]);
    // Act
    const response = await handler(event, context);
    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'reviews.raw-0', offset: 11 } }],
    });
    expect(clean.output.records).toHaveLength(4);
  });

  it('reports every partition of a step input when a step fails retriably, and an empty list on success', async () => {
    // Prepare
    let calls = 0;
    const flaky: Step = {
      kind: 'map',
      name: 'flaky',
      run: (records) => {
        calls++;
        if (calls === 1) throw new RetriableError('throttled');
        return { records: [...records], deadLetters: [], dropped: 0 };
      },
    };
    const { handler } = build(
      { steps: [flaky] },
      { errorHandling: { reportBatchItemFailures: true }, provisionedPollers: {} },
    );
    const event = kafkaEvent([
      { offset: 5, value: { a: 1 } },
      { offset: 9, partition: 1, value: { a: 1 } },
    ]);
    // Act
    const first = await handler(event, context);
    const second = await handler(event, context);
    // Assess
    expect(first?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      { partition: 'reviews.raw-0', offset: 5 },
      { partition: 'reviews.raw-1', offset: 9 },
    ]);
    expect(second).toEqual({ batchItemFailures: [] });
  });

  it('fails loudly, even with partial responses, when enrichment hits a table that does not exist', async () => {
    // Prepare
    const step = enrich({ table: tables.customers, key: 'customerId', as: 'customer' });
    const flow = defineFlow({
      name: 'enricher',
      source: { topic: topics.raw, errorHandling: { reportBatchItemFailures: true }, provisionedPollers: {} },
      steps: [step],
      outputs: [memoryTopic(topics.clean)],
      deadLetter: memoryTopic(topics.dead),
    });
    const logger = new Logger({ logLevel: 'SILENT' });
    const error = vi.spyOn(logger, 'error');
    const handler = handlerFor(flow, {
      logger,
      metrics: new Metrics({ namespace: 'T' }),
      ports: { dynamodb: new FakeDynamoDb('elsewhere', 'customerId', []) },
    });
    // Act / Assess
    await expect(
      handler(kafkaEvent([{ offset: 1, value: { customerId: 'c-1' } }]), context),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(error.mock.calls[0]?.[0]).toContain('not retriable');
  });

  it('re-sends a dead letter without its value when the dead-letter topic refuses it as too large', async () => {
    // Prepare
    const { dead, handler } = build();
    let refusals = 0;
    dead.output.reject = (r) =>
      r.value !== null && refusals++ === 0 ? new RecordRejectedError('too large') : undefined;
    // Act
    await handler(
      kafkaEvent([{ offset: 1, rawValue: Buffer.from('x'.repeat(2000)).toString('base64') }]),
      context,
    );
    // Assess
    expect(dead.output.records).toHaveLength(1);
    expect(dead.output.records[0]?.value).toBeNull();
    expect(dead.output.records[0]?.headers[DeadLetterHeader.ValueOmittedBytes]).toBe('2000');
  });

  it('re-sends a dead letter without its key and headers too when the topic refuses it even without its value', async () => {
    // Prepare: headers too large for the dead-letter topic
    const { dead, handler, logs } = build();
    dead.output.reject = (r) =>
      r.source.headers.length > 0 ? new RecordRejectedError('too large') : undefined;
    // Act
    await handler(
      kafkaEvent([
        { offset: 1, key: 'big-key', rawValue: 'bm90IGpzb24=', headers: { big: 'h'.repeat(2000) } },
      ]),
      context,
    );
    // Assess
    expect(logs.error).not.toHaveBeenCalled();
    expect(dead.output.records).toHaveLength(1);
    const [bare] = dead.output.records;
    expect([bare?.key, bare?.value, bare?.source.offset, bare?.source.topic]).toEqual([
      null,
      null,
      1,
      'reviews.raw',
    ]);
    expect(bare?.headers).toMatchObject({
      [DeadLetterHeader.Stage]: 'decode',
      [DeadLetterHeader.ValueOmittedBytes]: '8',
      [DeadLetterHeader.KeyOmittedBytes]: '7',
      [DeadLetterHeader.HeadersOmittedBytes]: '2003',
    });
    expect(bare?.headers).not.toHaveProperty('big');
  });

  it('dead-letters records an output rejects for good, with the output as component', async () => {
    // Prepare
    const { clean, dead, handler } = build({ steps: [map((v) => v)] });
    clean.output.reject = (r) => (r.key === 'k-2' ? new RecordRejectedError('mapping conflict') : undefined);
    // Act
    await handler(
      kafkaEvent([
        { offset: 1, value: { rating: 3 } },
        { offset: 2, value: { rating: 3 } },
      ]),
      context,
    );
    // Assess
    expect(
      dead.output.records.map((r) => [
        r.key,
        r.headers[DeadLetterHeader.Stage],
        r.headers[DeadLetterHeader.Component],
      ]),
    ).toEqual([['k-2', 'output', 'topic:reviews.clean']]);
  });
});
