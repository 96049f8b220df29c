import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ContextError, readSettings } from '../../../cdk/context.ts';
import { addSluiceStacks } from '../../../cdk/sluice-app.ts';
import { filterPatternsOf, flowEntries, startingTimestampOf } from '../../../cdk/topology.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { where } from '../../../shared/filter/index.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { defineFlow, defineTopics, defineTopology } from '../../../shared/topology/index.ts';
import { failureDestinationOf } from '../../../shared/topology/on-failure.ts';
import { fixtureFunctionsDir, fixtureTopology, mskContext } from './fixtures/topology.ts';

const selfManaged = (() => {
  const { 'sluice:kafka.clusterArn': _, ...rest } = mskContext;
  return {
    ...rest,
    'sluice:kafka.auth': 'scram-sha-512',
    'sluice:kafka.secretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf',
  } as Record<string, string>;
})();

describe('the CDK app reads the runtime topology as defineFlow and defineTopology validated it', () => {
  it('fails before building any stack on a topic output with IAM auth when the cluster is self-managed', () => {
    // Prepare: the fixture's cleanse-reviews produces with IAM auth.
    const app = new App();
    // Act
    const build = () =>
      addSluiceStacks(
        app,
        fixtureTopology,
        readSettings((k) => selfManaged[k]),
        {
          functionsDir: fixtureFunctionsDir,
        },
      );
    // Assess
    expect(build).toThrow(ConfigError);
    expect(build).toThrow('flows.cleanse-reviews.outputs[0].auth: IAM auth needs an MSK cluster');
    expect(app.node.children).toHaveLength(0);
  });

  it("fails before building any stack, naming the flow, when a flow's file is missing", () => {
    // Prepare
    const app = new App();
    const empty = mkdtempSync(join(tmpdir(), 'sluice-functions-'));
    // Act
    const build = () =>
      addSluiceStacks(
        app,
        fixtureTopology,
        readSettings((k) => mskContext[k as keyof typeof mskContext]),
        {
          functionsDir: empty,
        },
      );
    // Assess
    expect(build).toThrow('flows.cleanse-reviews: its file');
    expect(app.node.children).toHaveLength(0);
  });

  it('takes the mapping settings from the flow: pushed-down filter patterns and the start time in seconds', () => {
    // Prepare
    const topics = defineTopics({
      raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
      dlq: { name: 'reviews.dlq', format: 'bytes', partitions: 1, internal: true },
    });
    const flow = defineFlow({
      name: 'enrich',
      source: {
        topic: topics.raw,
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestamp: new Date('2025-01-01T00:00:00.999Z'),
        filter: where({ rating: { gte: 3 } }),
      },
      outputs: [toTopic(topics.dlq)],
      deadLetter: toTopic(topics.dlq),
    });
    // Act / Assess
    expect(startingTimestampOf(flow)).toBe(1_735_689_600);
    expect(filterPatternsOf(flow)).toEqual([JSON.stringify({ value: { rating: [{ numeric: ['>=', 3] }] } })]);
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

describe("a flow's default on-failure destination keeps its records", () => {
  const topics = defineTopics({
    raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
    failed: { name: 'reviews.raw.failed', format: 'bytes', partitions: 1 },
    clean: { name: 'reviews.clean', format: 'json', partitions: 3, internal: true },
    dlq: { name: 'reviews.dlq', format: 'bytes', partitions: 1, internal: true },
  });
  const flowWith = (name: string, source: Partial<Parameters<typeof defineFlow>[0]['source']>) =>
    defineFlow({
      name,
      source: { topic: topics.raw, ...source },
      outputs: [toTopic(topics.clean)],
      deadLetter: toTopic(topics.dlq),
    });
  const bounded = {
    provisionedPollers: { minimum: 1, maximum: 2 },
    errorHandling: { retryAttempts: 3, maximumRecordAgeSeconds: 3600, splitBatchOnError: true },
  };
  const destinationOf = (flow: ReturnType<typeof defineFlow>, withFailedTopic = true) => {
    const { failed, ...others } = topics;
    const topology = defineTopology({ topics: withFailedTopic ? topics : others, flows: [flow] });
    return failureDestinationOf(flow, topology);
  };

  it("sends a bounded provisioned flow's failed records to <source>.failed when the topology declares it", () => {
    expect(destinationOf(flowWith('bounded', bounded))).toEqual({
      kind: 'topic',
      topic: 'reviews.raw.failed',
    });
  });

  it("sends every other flow's failed batches to the failed-batches bucket (no destination of its own)", () => {
    const bucket = { kind: 'failed-batches' };
    expect(destinationOf(flowWith('on-demand', {}))).toEqual(bucket);
    expect(destinationOf(flowWith('bounded-no-topic', bounded), false)).toEqual(bucket);
    const unbounded = { ...bounded, errorHandling: { retryAttempts: 3, maximumRecordAgeSeconds: 3600 } };
    expect(destinationOf(flowWith('no-bisect', unbounded))).toEqual(bucket);
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
  it('has one entry file per flow, functions/<flow>.ts', async () => {
    const { topology } = await import('../../../functions/topology.ts');

    const entries = flowEntries(topology);

    expect([...entries.keys()]).toEqual(topology.flows.map((f) => f.name));
    for (const [name, entry] of entries) expect(entry.endsWith(`functions/${name}.ts`)).toBe(true);
  });
});
