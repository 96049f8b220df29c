import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ContextError, readSettings } from '../../../cdk/context.ts';
import type { DeployFlow, DeployModel } from '../../../cdk/model.ts';
import { addSluiceStacks } from '../../../cdk/sluice-app.ts';
import { fromTopology } from '../../../cdk/topology.ts';
import { validateModel } from '../../../cdk/validate.ts';
import { enrich } from '../../../shared/enrich/index.ts';
import { where } from '../../../shared/filter/index.ts';
import { toS3 } from '../../../shared/outputs/s3.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import {
  defineBucket,
  defineFlow,
  defineTables,
  defineTopics,
  defineTopology,
} from '../../../shared/topology/index.ts';
import { fixtureModel, mskContext } from './fixtures/topology.ts';

const msk = { kafkaIam: true };
const withFlow = (name: string, change: (flow: DeployFlow) => DeployFlow): DeployModel => ({
  ...fixtureModel,
  flows: fixtureModel.flows.map((f) => (f.name === name ? change(f) : f)),
});
const enrichReviews = (change: (flow: DeployFlow) => DeployFlow) => withFlow('enrich-reviews', change);

describe('the CDK app rejects a topology it cannot deploy, naming the flow and field', () => {
  it('accepts the fixture topology', () => {
    expect(() => validateModel(fixtureModel, msk)).not.toThrow();
  });

  it.each([
    [
      'a source topic that is not declared',
      enrichReviews((f) => ({ ...f, source: { ...f.source, topic: 'nope' } })),
      'flows.enrich-reviews.source.topic: topic "nope" is not declared',
    ],
    [
      'an enrich table that is not declared',
      enrichReviews((f) => ({ ...f, lookups: ['customers', 'orders'] })),
      'flows.enrich-reviews.steps.enrich.table: table "orders" is not declared',
    ],
    [
      'an output topic that is not declared',
      enrichReviews((f) => ({
        ...f,
        outputs: [{ kind: 'topic', name: 'topic:x', resources: { topics: ['x'] } }],
      })),
      'flows.enrich-reviews.outputs[0](topic:x).resources.topics[0]: topic "x" is not declared',
    ],
    [
      'a loaded table that is not declared',
      withFlow('customers-table', (f) => ({
        ...f,
        outputs: [{ kind: 'table', name: 'table:orders', resources: { tables: ['orders'] } }],
      })),
      'flows.customers-table.outputs[0](table:orders).resources.tables[0]: table "orders" is not declared',
    ],
    [
      'a dead-letter topic that is not declared',
      enrichReviews((f) => ({ ...f, deadLetterTopic: 'gone.dlq' })),
      'flows.enrich-reviews.deadLetter: topic "gone.dlq" is not declared',
    ],
    [
      'a flow without a consumer group',
      enrichReviews((f) => ({ ...f, source: { ...f.source, consumerGroup: '' } })),
      'flows.enrich-reviews.source.consumerGroup: a consumer group id is required',
    ],
    [
      'two flows sharing a consumer group',
      enrichReviews((f) => ({ ...f, source: { ...f.source, consumerGroup: 'sluice-cleanse-reviews' } })),
      'flows.enrich-reviews.source.consumerGroup: "sluice-cleanse-reviews" is already used by flow cleanse-reviews',
    ],
    [
      'a batch size above the mapping limit',
      enrichReviews((f) => ({ ...f, source: { ...f.source, batchSize: 10_001 } })),
      'flows.enrich-reviews.source.batchSize: 10001 is outside 1..10000',
    ],
    [
      'a batch size of zero',
      enrichReviews((f) => ({ ...f, source: { ...f.source, batchSize: 0 } })),
      'flows.enrich-reviews.source.batchSize: 0 is outside 1..10000',
    ],
    [
      'a batching window that is not whole seconds',
      enrichReviews((f) => ({ ...f, source: { ...f.source, batchingWindowMs: 100 } })),
      'flows.enrich-reviews.source.batchingWindowMs: 100 ms is not whole seconds',
    ],
    [
      'error-handling controls without provisioned mode',
      enrichReviews((f) => ({ ...f, source: { ...f.source, retryAttempts: 3 } })),
      'flows.enrich-reviews.source.retryAttempts: Kafka mappings allow it only in provisioned mode',
    ],
    [
      'a topic on-failure destination without provisioned mode',
      enrichReviews((f) => ({
        ...f,
        source: { ...f.source, onFailure: { kind: 'topic', topic: 'dead-letters' } },
      })),
      'flows.enrich-reviews.source.onFailure: a Kafka topic destination needs provisioned mode',
    ],
    [
      'a timeout beyond the 14 minutes a Kafka mapping allows',
      enrichReviews((f) => ({ ...f, timeoutSeconds: 900 })),
      'flows.enrich-reviews.timeoutSeconds: 900 is outside 1..840',
    ],
    [
      'an output kind with no grant path',
      enrichReviews((f) => ({ ...f, outputs: [{ kind: 'kinesis', name: 'kinesis:x', resources: {} }] })),
      'flows.enrich-reviews.outputs[0](kinesis:x).kind: no grant path for output kind "kinesis"',
    ],
    [
      'an s3 output when the topology declares no bucket',
      { ...fixtureModel, bucket: undefined },
      'flows.lake-sink.outputs[0](s3:sluice-test-lake/reviews).resources: no grant path: the topology declares no bucket',
    ],
    [
      'an opensearch output for another index',
      withFlow('search-sink', (f) => ({
        ...f,
        outputs: [{ kind: 'opensearch', name: 'opensearch:x', resources: { index: 'x' } }],
      })),
      'flows.search-sink.outputs[0](opensearch:x).resources.index: index "x" is not declared',
    ],
  ] as const)('fails on %s', (_case, model, message) => {
    // Prepare: the model above. Act / Assess:
    expect(() => validateModel(model as DeployModel, msk)).toThrow(message);
  });

  it('fails on a topic output with IAM auth when the cluster is self-managed', () => {
    // Prepare: the fixture's cleanse-reviews produces with IAM auth. Act / Assess:
    expect(() => validateModel(fixtureModel, { kafkaIam: false })).toThrow(
      'flows.cleanse-reviews.outputs[0](topic:reviews.clean).auth: IAM auth needs an MSK cluster',
    );
  });

  it('fails at synth, before anything is bundled, when the app is given a bad topology', () => {
    const app = new App();
    const bad = enrichReviews((f) => ({ ...f, source: { ...f.source, batchSize: 20_000 } }));

    expect(() =>
      addSluiceStacks(
        app,
        bad,
        readSettings((k) => mskContext[k as keyof typeof mskContext]),
      ),
    ).toThrow('flows.enrich-reviews.source.batchSize');
    expect(app.node.children).toHaveLength(0);
  });
});

describe('the deployment context', () => {
  const read = (context: Record<string, string>) => readSettings((key) => context[key]);

  it('reads an imported MSK cluster with its network', () => {
    const settings = read({ ...mskContext });

    expect(settings.kafka).toMatchObject({ kind: 'msk', clusterArn: mskContext['sluice:kafka.clusterArn'] });
    expect(settings.network?.subnetIds).toHaveLength(2);
    expect(settings.removal).toBe('retain');
  });

  it('reads the sandbox without a network and destroys its data on destroy', () => {
    expect(read({ 'sluice:sandbox': 'true' })).toEqual({ kafka: { kind: 'sandbox' }, removal: 'destroy' });
  });

  it('falls back to the sandbox when no cluster is given, so a clean clone synthesises', () => {
    expect(read({}).kafka).toEqual({ kind: 'sandbox' });
  });

  it('reads a self-managed cluster from bootstrap servers alone', () => {
    const { 'sluice:kafka.clusterArn': _, ...rest } = mskContext;
    const settings = read({
      ...rest,
      'sluice:kafka.auth': 'scram-sha-512',
      'sluice:kafka.secretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf',
    });

    expect(settings.kafka).toMatchObject({ kind: 'self-managed', auth: 'scram-sha-512' });
  });

  it.each([
    [
      'no cluster with the sandbox off',
      { 'sluice:sandbox': 'false' },
      'context sluice:kafka.clusterArn: no Kafka cluster',
    ],
    [
      'a cluster without a VPC',
      { 'sluice:kafka.clusterArn': mskContext['sluice:kafka.clusterArn'] },
      'context sluice:vpcId: required',
    ],
    [
      'fewer zones than subnets',
      { ...mskContext, 'sluice:availabilityZones': 'eu-west-1a' },
      'context sluice:availabilityZones',
    ],
    [
      'an unknown auth mode',
      { ...mskContext, 'sluice:kafka.auth': 'kerberos' },
      'context sluice:kafka.auth: "kerberos" is not one of',
    ],
    [
      'SCRAM without a secret',
      { ...mskContext, 'sluice:kafka.auth': 'scram-sha-512' },
      'context sluice:kafka.secretArn: required',
    ],
    [
      "SCRAM on MSK without the secret's customer-managed key",
      {
        ...mskContext,
        'sluice:kafka.auth': 'scram-sha-512',
        'sluice:kafka.secretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_k-AbCdEf',
      },
      'context sluice:kafka.secretKeyArn: required with sluice:kafka.auth=scram-sha-512 on MSK',
    ],
    [
      'a KMS alias where the key ARN belongs',
      { ...mskContext, 'sluice:kafka.secretKeyArn': 'arn:aws:kms:eu-west-1:123456789012:alias/msk' },
      'context sluice:kafka.secretKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/msk" is not a KMS key ARN',
    ],
    [
      'a malformed VPC id',
      { ...mskContext, 'sluice:vpcId': 'vpc-1' },
      'context sluice:vpcId: "vpc-1" is not a vpc- id',
    ],
    ['an unknown removal policy', { ...mskContext, 'sluice:removal': 'maybe' }, 'context sluice:removal'],
  ] as const)('rejects %s, naming the key', (_case, context, message) => {
    expect(() => read(context)).toThrow(ContextError);
    expect(() => read(context)).toThrow(message);
  });
});

describe('the CDK model derived from the runtime topology', () => {
  const functionsDir = mkdtempSync(join(tmpdir(), 'sluice-functions-'));
  const topics = defineTopics({
    raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
    clean: { name: 'reviews.clean', format: 'json', partitions: 3 },
    dlq: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
  });
  const tables = defineTables({ customers: { name: 'customers', partitionKey: 'customerId' } });
  const lake = defineBucket({ name: 'the-lake' });
  const enrichFlow = defineFlow({
    name: 'enrich',
    source: {
      topic: topics.raw,
      batchSize: 250,
      batchingWindowMs: 2000,
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: new Date('2025-01-01T00:00:00Z'),
      filter: where({ rating: { gte: 3 } }),
      provisionedPollers: { minimum: 2, maximum: 8 },
      errorHandling: { retryAttempts: 5, reportBatchItemFailures: true, onFailure: topics.dlq },
    },
    steps: [enrich({ table: tables.customers, key: 'customerId', as: 'customer' })],
    outputs: [toTopic(topics.clean), toS3({ bucket: lake, prefix: 'reviews' })],
    deadLetter: toTopic(topics.dlq),
  });
  const topology = defineTopology({ topics, tables, bucket: lake, flows: [enrichFlow] });
  writeFileSync(join(functionsDir, 'enrich.ts'), 'export const handler = async () => ({});\n');

  it('carries every mapping setting, the pushed-down filter, lookups, outputs and the entry file', () => {
    const model = fromTopology(topology, { functionsDir });

    expect(model.topics).toEqual(['reviews.raw', 'reviews.clean', 'reviews.dlq']);
    expect(model.tables).toEqual([{ name: 'customers', partitionKey: 'customerId', partitionKeyType: 'S' }]);
    expect(model.bucket).toBe('the-lake');
    const [flow] = model.flows;
    expect(flow).toMatchObject({
      name: 'enrich',
      entry: join(functionsDir, 'enrich.ts'),
      lookups: ['customers'],
      deadLetterTopic: 'reviews.dlq',
      memoryMb: 512,
      timeoutSeconds: 60,
      source: {
        topic: 'reviews.raw',
        consumerGroup: 'sluice-enrich',
        batchSize: 250,
        batchingWindowMs: 2000,
        startingPosition: 'AT_TIMESTAMP',
        startingTimestamp: 1_735_689_600,
        provisioned: { minimumPollers: 2, maximumPollers: 8 },
        retryAttempts: 5,
        reportBatchItemFailures: true,
        onFailure: { kind: 'topic', topic: 'reviews.dlq' },
      },
    });
    expect(flow?.source.filterPatterns).toEqual([
      enrichFlow.source.pushdown?.pushable && enrichFlow.source.pushdown.criteria.Filters[0]?.Pattern,
    ]);
    expect(flow?.outputs.map((o) => o.kind)).toEqual(['topic', 's3']);
    expect(() => validateModel(model, msk)).not.toThrow();
  });

  it('fails naming the flow when its file is missing', () => {
    expect(() => fromTopology(topology, { functionsDir: tmpdir() })).toThrow('flows.enrich: its file');
  });
});

describe("a flow's default on-failure destination keeps its records", () => {
  const functionsDir = mkdtempSync(join(tmpdir(), 'sluice-functions-'));
  const topics = defineTopics({
    raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
    failed: { name: 'reviews.raw.failed', format: 'bytes', partitions: 1 },
    clean: { name: 'reviews.clean', format: 'json', partitions: 3 },
    dlq: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
  });
  const flowWith = (name: string, source: Partial<Parameters<typeof defineFlow>[0]['source']>) => {
    writeFileSync(join(functionsDir, `${name}.ts`), 'export const handler = async () => ({});\n');
    return defineFlow({
      name,
      source: { topic: topics.raw, ...source },
      outputs: [toTopic(topics.clean)],
      deadLetter: toTopic(topics.dlq),
    });
  };
  const bounded = {
    provisionedPollers: { minimum: 1, maximum: 2 },
    errorHandling: { retryAttempts: 3, maximumRecordAgeSeconds: 3600, splitBatchOnError: true },
  };
  const destinationOf = (flow: ReturnType<typeof defineFlow>, withFailedTopic = true) => {
    const { failed, ...others } = topics;
    const topology = defineTopology({ topics: withFailedTopic ? topics : others, flows: [flow] });
    return fromTopology(topology, { functionsDir }).flows[0]?.source.onFailure;
  };

  it("sends a bounded provisioned flow's failed records to <source>.failed when the topology declares it", () => {
    expect(destinationOf(flowWith('bounded', bounded))).toEqual({
      kind: 'topic',
      topic: 'reviews.raw.failed',
    });
  });

  it("sends every other flow's failed batches to the failed-batches bucket (no destination of its own)", () => {
    expect(destinationOf(flowWith('on-demand', {}))).toBeUndefined();
    expect(destinationOf(flowWith('bounded-no-topic', bounded), false)).toBeUndefined();
    const unbounded = { ...bounded, errorHandling: { retryAttempts: 3, maximumRecordAgeSeconds: 3600 } };
    expect(destinationOf(flowWith('no-bisect', unbounded))).toBeUndefined();
  });

  it("keeps the flow's own destination when it names one", () => {
    const own = { errorHandling: { onFailure: { arn: 'arn:aws:sqs:eu-west-1:123456789012:mine' } } };
    expect(destinationOf(flowWith('own', own))).toEqual({
      kind: 'arn',
      arn: 'arn:aws:sqs:eu-west-1:123456789012:mine',
    });
  });
});

describe('the reference topology', () => {
  it('maps to a deployable model with one entry file per flow', async () => {
    const { topology } = await import('../../../functions/topology.ts');

    const model = fromTopology(topology);

    expect(model.flows.map((f) => f.name)).toEqual(topology.flows.map((f) => f.name));
    for (const flow of model.flows) expect(flow.entry.endsWith(`functions/${flow.name}.ts`)).toBe(true);
    expect(() => validateModel(model, msk)).not.toThrow();
  });
});
