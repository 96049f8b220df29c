// One validation of a flow, at load time, following the Kafka event-source mapping's rules as AWS documents them
// (sources cited in shared/topology/flow.ts, topology.ts and resources.ts). The runtime, the CDK app and the
// emulator all read the flows these checks let through; nothing re-checks them.
import { describe, expect, it } from 'vitest';
import { toS3 } from '../../../shared/outputs/s3.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import {
  defineBucket,
  defineFlow,
  defineTopics,
  defineTopology,
  type FlowOptions,
} from '../../../shared/topology/index.ts';
import { configError } from './config-error.ts';

const topics = defineTopics({
  raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
  orders: { name: 'orders.raw', format: 'json', partitions: 3 },
  clean: { name: 'reviews.clean', format: 'json', partitions: 3, internal: true },
  dead: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});

type Source = Partial<FlowOptions['source']>;
const options = (source: Source = {}, overrides: Partial<FlowOptions> = {}): FlowOptions => ({
  name: 'cleanse',
  source: { topic: topics.raw, ...source },
  outputs: [toTopic(topics.clean)],
  deadLetter: toTopic(topics.dead),
  ...overrides,
});
const provisioned = { provisionedPollers: { minimum: 1, maximum: 10 } };

describe("a flow's consumer group follows AWS's ConsumerGroupId rule", () => {
  it.each([
    'team/reviews',
    'reviews*v2',
    'a+b=c',
    'ops@reviews',
    'sluice:cleanse_reviews.v1-2',
    'x'.repeat(200),
  ])('accepts "%s" (1-200 of a-z A-Z 0-9 - / * : _ + = . @)', (group) => {
    // Act
    const flow = defineFlow(options({ consumerGroup: group }));
    // Assess
    expect(flow.source.consumerGroup).toBe(group);
  });

  it.each(['', 'has space', 'reviews#1', 'ümlaut', 'x'.repeat(201)])(
    'rejects "%s", naming the path',
    (group) => {
      // Act
      const error = configError(() => defineFlow(options({ consumerGroup: group })));
      // Assess
      expect(error.path).toBe('flows.cleanse.source.consumerGroup');
      expect(error.message).toContain('AWS ConsumerGroupId');
    },
  );

  it('must be unique among all flows of the topology, even when they read different topics', () => {
    // Prepare
    const reviews = defineFlow(options({ consumerGroup: 'shared' }));
    const orders = defineFlow(options({ topic: topics.orders, consumerGroup: 'shared' }, { name: 'orders' }));
    // Act
    const error = configError(() => defineTopology({ topics, flows: [reviews, orders] }));
    // Assess
    expect(error.path).toBe('flows.orders.source.consumerGroup');
    expect(error.message).toContain('already the consumer group of flow cleanse');
  });

  it('keeps the default group, sluice-<flow>, unique with the flow name', () => {
    // Prepare
    const reviews = defineFlow(options());
    const orders = defineFlow(options({ topic: topics.orders }, { name: 'orders' }));
    // Act
    const topology = defineTopology({ topics, flows: [reviews, orders] });
    // Assess
    expect(topology.flows.map((f) => f.source.consumerGroup)).toEqual(['sluice-cleanse', 'sluice-orders']);
  });
});

describe("a flow's mapping settings stay within the event-source mapping's limits", () => {
  it.each<[string, Source, Partial<FlowOptions>, string, string]>([
    ['a batch size of 0', { batchSize: 0 }, {}, 'source.batchSize', 'must be ≥ 1'],
    ['a batch size of 10,001', { batchSize: 10_001 }, {}, 'source.batchSize', 'must be ≤ 10000'],
    [
      'a batching window of 500 ms set explicitly (MaximumBatchingWindowInSeconds is whole seconds)',
      { batchingWindowMs: 500 },
      {},
      'source.batchingWindowMs',
      'leave unset for the 500 ms default',
    ],
    [
      'a batching window of 1.5 s',
      { batchingWindowMs: 1500 },
      {},
      'source.batchingWindowMs',
      'whole seconds',
    ],
    ['a batching window over 300 s', { batchingWindowMs: 301_000 }, {}, 'source.batchingWindowMs', '300 s'],
    [
      'an unknown starting position',
      { startingPosition: 'EARLIEST' as never },
      {},
      'source.startingPosition',
      'LATEST, TRIM_HORIZON or AT_TIMESTAMP',
    ],
    [
      'AT_TIMESTAMP without a timestamp',
      { startingPosition: 'AT_TIMESTAMP' },
      {},
      'source.startingPositionTimestamp',
      'is required with AT_TIMESTAMP',
    ],
    [
      'a timestamp without AT_TIMESTAMP',
      { startingPositionTimestamp: 1000 },
      {},
      'source.startingPositionTimestamp',
      'only allowed with AT_TIMESTAMP',
    ],
    [
      'minimum pollers of 0',
      { provisionedPollers: { minimum: 0 } },
      {},
      'source.provisionedPollers.minimum',
      'must be ≥ 1',
    ],
    [
      'minimum pollers over 200',
      { provisionedPollers: { minimum: 201, maximum: 300 } },
      {},
      'source.provisionedPollers.minimum',
      'must be ≤ 200',
    ],
    [
      'maximum pollers over 2,000',
      { provisionedPollers: { maximum: 2001 } },
      {},
      'source.provisionedPollers.maximum',
      'must be ≤ 2000',
    ],
    [
      'minimum pollers above maximum',
      { provisionedPollers: { minimum: 5, maximum: 4 } },
      {},
      'source.provisionedPollers',
      'minimum must be ≤ maximum',
    ],
    [
      'retry attempts below -1',
      { ...provisioned, errorHandling: { retryAttempts: -2 } },
      {},
      'source.errorHandling.retryAttempts',
      'must be ≥ -1',
    ],
    [
      'retry attempts over 10,000',
      { ...provisioned, errorHandling: { retryAttempts: 10_001 } },
      {},
      'source.errorHandling.retryAttempts',
      'must be ≤ 10000',
    ],
    [
      'a maximum record age under 60 s',
      { ...provisioned, errorHandling: { maximumRecordAgeSeconds: 59 } },
      {},
      'source.errorHandling.maximumRecordAgeSeconds',
      'must be -1 or 60..604800',
    ],
    [
      'a maximum record age over 7 days',
      { ...provisioned, errorHandling: { maximumRecordAgeSeconds: 604_801 } },
      {},
      'source.errorHandling.maximumRecordAgeSeconds',
      'must be -1 or 60..604800',
    ],
    [
      'bisecting without provisioned mode',
      { errorHandling: { splitBatchOnError: true } },
      {},
      'source.errorHandling.splitBatchOnError',
      'needs provisioned mode',
    ],
    [
      'a Kafka on-failure destination without provisioned mode',
      { errorHandling: { onFailure: topics.dead } },
      {},
      'source.errorHandling.onFailure',
      'needs provisioned mode',
    ],
    [
      'an on-failure ARN that is not SQS, SNS or S3',
      { errorHandling: { onFailure: { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' } } },
      {},
      'source.errorHandling.onFailure.arn',
      'must be an SQS, SNS or S3 ARN',
    ],
    ['memory under 128 MB', {}, { memoryMb: 127 }, 'memoryMb', 'must be ≥ 128'],
    ['memory over 10,240 MB', {}, { memoryMb: 10_241 }, 'memoryMb', 'must be ≤ 10240'],
    [
      'a timeout over the 14 minutes of a Kafka mapping',
      {},
      { timeoutSeconds: 841 },
      'timeoutSeconds',
      '840',
    ],
    ['no dead-letter topic', {}, { deadLetter: undefined as never }, 'deadLetter', ''],
  ])('rejects %s at load time, naming the path', (_case, source, overrides, path, message) => {
    // Act
    const error = configError(() => defineFlow(options(source, overrides)));
    // Assess
    expect(error.path).toBe(`flows.cleanse.${path}`);
    expect(error.message).toContain(message);
  });

  it.each<[string, Source]>([
    ['a batching window of 0 s', { batchingWindowMs: 0 }],
    ['a batching window of 300 s', { batchingWindowMs: 300_000 }],
    ['10,000 records a batch', { batchSize: 10_000 }],
    ['200 to 2,000 pollers', { provisionedPollers: { minimum: 200, maximum: 2000 } }],
    ['records that never expire', { ...provisioned, errorHandling: { maximumRecordAgeSeconds: -1 } }],
  ])('accepts %s', (_case, source) => {
    expect(() => defineFlow(options(source))).not.toThrow();
  });
});

describe("topic names follow the mapping's Topics rule", () => {
  it.each(['.hidden', 'x'])('rejects "%s" (2-249 characters, not starting with a dot)', (name) => {
    // Act
    const error = configError(() => defineTopics({ t: { name, format: 'json', partitions: 1 } }));
    // Assess
    expect(error.path).toBe('topics.t.name');
  });

  it('accepts a name that starts with an underscore or a dash and holds dots', () => {
    expect(defineTopics({ t: { name: '_sluice.redrive', format: 'json', partitions: 1 } }).t.name).toBe(
      '_sluice.redrive',
    );
  });
});

describe("an s3 output writes the topology's bucket, the one its grants name", () => {
  it('rejects an s3 output for another bucket, naming the path', () => {
    // Prepare
    const flow = defineFlow(options({}, { outputs: [toS3({ bucket: 'someone-elses', prefix: 'reviews' })] }));
    // Act
    const error = configError(() =>
      defineTopology({ topics, bucket: defineBucket({ name: 'sluice-lake' }), flows: [flow] }),
    );
    // Assess
    expect(error.path).toBe('flows.cleanse.outputs[0].resources.bucket');
    expect(error.message).toContain('is not the topology\'s bucket "sluice-lake"');
  });
});
