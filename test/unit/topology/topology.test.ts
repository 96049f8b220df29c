import { describe, expect, it } from 'vitest';
import { enrich } from '../../../shared/enrich/enrich.ts';
import { predicate, where } from '../../../shared/filter/where.ts';
import { map } from '../../../shared/steps/map.ts';
import { route } from '../../../shared/steps/route.ts';
import { defineFlow, type FlowOptions, flowResources } from '../../../shared/topology/flow.ts';
import { defineBucket, defineIndex, defineTables, defineTopics } from '../../../shared/topology/resources.ts';
import { defineTopology } from '../../../shared/topology/topology.ts';
import { memorySpec, memoryTopic } from '../runtime/memory-output.ts';
import { configError } from './config-error.ts';

const topics = defineTopics({
  raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
  clean: { name: 'reviews.clean', format: 'json', partitions: 3 },
  alerts: { name: 'reviews.alerts', format: 'json', partitions: 1 },
  text: { name: 'logs.text', format: 'string', partitions: 1 },
  dead: { name: 'dead-letters', format: 'bytes', partitions: 1 },
});
const tables = defineTables({ customers: { name: 'customers', partitionKey: 'customerId' } });

const options = (
  overrides: Partial<FlowOptions> = {},
  source: Partial<FlowOptions['source']> = {},
): FlowOptions => ({
  name: 'enrich-reviews',
  source: { topic: topics.raw, ...source },
  outputs: [memoryTopic(topics.clean)],
  deadLetter: memoryTopic(topics.dead),
  ...overrides,
});

describe('defineFlow', () => {
  it('fills the documented defaults', () => {
    // Act
    const flow = defineFlow(options());
    // Assess
    expect(flow.source).toMatchObject({
      consumerGroup: 'sluice-enrich-reviews',
      batchSize: 100,
      batchingWindowMs: 500,
      batchingWindowSet: false,
      startingPosition: 'TRIM_HORIZON',
      errorHandling: {},
    });
    expect(flow).toMatchObject({ memoryMb: 512, timeoutSeconds: 60, steps: [] });
  });

  it('rejects a batch size above the event-source mapping limit, naming the path', () => {
    // Act
    const error = configError(() => defineFlow(options({}, { batchSize: 20000 })));
    // Assess
    expect(error.message).toBe('flows.enrich-reviews.source.batchSize: must be ≤ 10000');
    expect(error.path).toBe('flows.enrich-reviews.source.batchSize');
  });

  it('rejects a batch size below 1 and a batching window above 300 s', () => {
    expect(configError(() => defineFlow(options({}, { batchSize: 0 }))).message).toBe(
      'flows.enrich-reviews.source.batchSize: must be ≥ 1',
    );
    expect(configError(() => defineFlow(options({}, { batchingWindowMs: 301_000 }))).path).toBe(
      'flows.enrich-reviews.source.batchingWindowMs',
    );
  });

  it('rejects a batching window the mapping cannot express (not whole seconds)', () => {
    expect(configError(() => defineFlow(options({}, { batchingWindowMs: 100 }))).message).toContain(
      'must be whole seconds',
    );
  });

  it('rejects unknown keys anywhere, naming the key', () => {
    expect(configError(() => defineFlow({ ...options(), memory: 512 } as never)).message).toBe(
      'flows.enrich-reviews.memory: unknown key',
    );
    expect(configError(() => defineFlow(options({}, { batchsize: 10 } as never))).path).toBe(
      'flows.enrich-reviews.source.batchsize',
    );
  });

  it('requires AT_TIMESTAMP to come with a timestamp', () => {
    expect(configError(() => defineFlow(options({}, { startingPosition: 'AT_TIMESTAMP' }))).message).toBe(
      'flows.enrich-reviews.source.startingPositionTimestamp: is required with AT_TIMESTAMP',
    );
    const flow = defineFlow(
      options({}, { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: new Date(1000) }),
    );
    expect(flow.source.startingPositionTimestamp).toBe(1000);
  });

  it('requires provisioned mode for the Kafka error-handling controls', () => {
    // Act
    const error = configError(() =>
      defineFlow(options({}, { errorHandling: { reportBatchItemFailures: true } })),
    );
    const ok = defineFlow(
      options(
        {},
        {
          errorHandling: { reportBatchItemFailures: true, retryAttempts: 3 },
          provisionedPollers: { minimum: 1 },
        },
      ),
    );
    // Assess
    expect(error.message).toBe(
      'flows.enrich-reviews.source.errorHandling.reportBatchItemFailures: needs provisioned mode (set source.provisionedPollers)',
    );
    expect(ok.source.provisionedPollers).toEqual({ minimum: 1, maximum: 200 });
  });

  it('requires the dead-letter output to be a topic and output names to be unique', () => {
    expect(
      configError(() =>
        defineFlow(options({ deadLetter: memorySpec('s3', 'lake', { bucketPrefix: 'x/' }) as never })),
      ).path,
    ).toBe('flows.enrich-reviews.deadLetter');
    expect(
      configError(() =>
        defineFlow(options({ outputs: [memoryTopic(topics.clean), memoryTopic(topics.clean)] })),
      ).message,
    ).toContain('is used by another output');
  });

  it('pushes a JSON source filter down and says why a code or non-JSON filter cannot be', () => {
    // Act
    const pushed = defineFlow(options({}, { filter: where({ rating: { lte: 2 } }) }));
    const code = defineFlow(options({}, { filter: predicate('odd', () => true) }));
    const text = defineFlow(options({}, { topic: topics.text, filter: where({ level: 'ERROR' }) }));
    // Assess
    expect(pushed.source.pushdown).toMatchObject({ pushable: true });
    expect(code.source.pushdown).toMatchObject({
      pushable: false,
      reason: expect.stringContaining('is code'),
    });
    expect(text.source.pushdown).toMatchObject({
      pushable: false,
      reason: expect.stringContaining('is string'),
    });
  });

  it('rejects a source filter on a field that an enrich step adds later', () => {
    // Prepare
    const customers = defineTables({ c: { name: 'customers', partitionKey: 'customerId' } }).c;
    const step = enrich({ table: customers, key: 'customerId', as: 'customer' });
    // Act
    const error = configError(() =>
      defineFlow(options({ steps: [step] }, { filter: where({ 'customer.tier': 'gold' }) })),
    );
    // Assess
    expect(error.message).toBe(
      'flows.enrich-reviews.source.filter: reads "customer.tier", which step enrich-customer adds after the source filter has run; filter on it with an output `when` or a filter step',
    );
  });

  it('rejects a route step that targets a topic the flow does not output to', () => {
    // Prepare
    const routing = route({ to: [topics.alerts], select: () => topics.alerts });
    // Act
    const error = configError(() => defineFlow(options({ steps: [routing] })));
    // Assess
    expect(error.message).toContain(
      'routes to topic "reviews.alerts", which is not one of this flow\'s topic outputs',
    );
  });
});

describe('defineTopology', () => {
  const flow = defineFlow(options({ steps: [map((v) => v)] }));

  it('accepts a flow whose every reference is declared and derives its resources', () => {
    // Act
    const topology = defineTopology({
      topics,
      tables,
      bucket: defineBucket({ name: 'sluice-lake' }),
      flows: [flow],
    });
    // Assess
    expect(topology.flow('enrich-reviews')).toBe(flow);
    expect(flowResources(flow)).toEqual({
      readsTopics: ['reviews.raw'],
      writesTopics: ['reviews.clean', 'dead-letters'],
      readsTables: [],
      writesTables: [],
      bucketPrefixes: [],
      indexes: [],
    });
  });

  it('rejects a flow reading a topic the topology does not declare', () => {
    // Prepare
    const { raw: _raw, ...others } = topics;
    // Act
    const error = configError(() => defineTopology({ topics: others, flows: [flow] }));
    // Assess
    expect(error.message).toBe(
      'flows.enrich-reviews.source.topic: topic "reviews.raw" is not declared in the topology',
    );
  });

  it('rejects outputs writing undeclared topics, tables, a missing bucket or another index', () => {
    const writes = (spec: ReturnType<typeof memorySpec>) =>
      configError(() =>
        defineTopology({
          topics,
          tables,
          index: defineIndex({ name: 'reviews' }),
          flows: [defineFlow(options({ outputs: [spec] }))],
        }),
      );
    expect(writes(memorySpec('topic', 'x', { topics: ['nope'] })).path).toBe(
      'flows.enrich-reviews.outputs[0].resources.topics[0]',
    );
    expect(writes(memorySpec('table', 'x', { tables: ['nope'] })).message).toContain(
      'table "nope" is not declared',
    );
    expect(writes(memorySpec('s3', 'x', { bucketPrefix: 'reviews/' })).message).toContain(
      'declares no bucket',
    );
    expect(writes(memorySpec('opensearch', 'x', { index: 'other' })).message).toContain(
      'is not the topology\'s index "reviews"',
    );
  });

  it('rejects two flows sharing a consumer group on one topic, and duplicate flow names', () => {
    const twin = defineFlow(options({ name: 'twin' }, { consumerGroup: 'sluice-enrich-reviews' }));
    expect(configError(() => defineTopology({ topics, flows: [flow, twin] })).path).toBe(
      'flows.twin.source.consumerGroup',
    );
    expect(configError(() => defineTopology({ topics, flows: [flow, flow] })).message).toBe(
      'flows.enrich-reviews.name: is declared twice',
    );
  });

  it('rejects malformed topic and table declarations, naming them', () => {
    expect(() => defineTopics({ bad: { name: 'has space', format: 'json', partitions: 1 } })).toThrow(
      'topics.bad.name:',
    );
    expect(() => defineTopics({ bad: { name: 'ok', format: 'xml' as never, partitions: 1 } })).toThrow(
      'topics.bad.format:',
    );
    expect(() => defineTables({ t: { name: 'x', partitionKey: 'id' } })).toThrow('tables.t.name:');
  });
});

describe('internal topics (where lineage is trusted)', () => {
  const chain = defineTopics({
    raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
    clean: { name: 'reviews.clean', format: 'json', partitions: 3, internal: true },
    dead: { name: 'dead-letters', format: 'bytes', partitions: 1 },
  });
  const cleanse = defineFlow({
    name: 'cleanse',
    source: { topic: chain.raw },
    outputs: [memoryTopic(chain.clean)],
    deadLetter: memoryTopic(chain.dead),
  });
  const sink = (clean: typeof chain.clean) =>
    defineFlow({
      name: 'sink',
      source: { topic: clean },
      outputs: [memorySpec('s3', 's3:lake', { bucketPrefix: 'reviews' })],
      deadLetter: memoryTopic(chain.dead),
    });
  const bucket = defineBucket({ name: 'sluice-lake' });

  it('accepts a flow-written topic declared internal, read by the next flow', () => {
    const topology = defineTopology({ topics: chain, bucket, flows: [cleanse, sink(chain.clean)] });
    expect(topology.topic('reviews.clean')?.internal).toBe(true);
    expect(topology.topic('reviews.raw')?.internal).toBe(false);
  });

  it('rejects a flow reading a flow-written topic that is not declared internal, naming the reader', () => {
    // Prepare
    const open = defineTopics({
      raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
      clean: { name: 'reviews.clean', format: 'json', partitions: 3 },
      dead: { name: 'dead-letters', format: 'bytes', partitions: 1 },
    });
    const writer = defineFlow({
      name: 'cleanse',
      source: { topic: open.raw },
      outputs: [memoryTopic(open.clean)],
      deadLetter: memoryTopic(open.dead),
    });
    // Act
    const error = configError(() =>
      defineTopology({ topics: open, bucket, flows: [writer, sink(open.clean)] }),
    );
    // Assess
    expect(error.message).toBe(
      'flows.sink.source.topic: topic "reviews.clean" is written by flow cleanse; declare it internal: true in defineTopics, so this flow keeps the lineage its records carry',
    );
  });

  it('rejects a topic declared internal that no flow writes, naming the declaration', () => {
    const error = configError(() => defineTopology({ topics: chain, bucket, flows: [sink(chain.clean)] }));
    expect(error.path).toBe('topics.clean.internal');
    expect(error.message).toContain('no flow writes it');
  });

  it('rejects a flow holding a reference that differs from the declaration in `internal`', () => {
    const stale = { ...chain.clean, internal: false };
    const error = configError(() => defineTopology({ topics: chain, bucket, flows: [cleanse, sink(stale)] }));
    expect(error.path).toBe('flows.sink.source.topic');
  });

  it('rejects an `internal` that is not a boolean, naming it', () => {
    expect(() =>
      defineTopics({ t: { name: 'x', format: 'json', partitions: 1, internal: 'yes' as never } }),
    ).toThrow('topics.t.internal:');
  });
});
