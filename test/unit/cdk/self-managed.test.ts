import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { enrichOnlyTopology, mskContext } from './fixtures/topology.ts';
import { cfnLint, resourcesOf, type Synthesized, synthesize } from './support.ts';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice-kafka-AbCdEf';
const { 'sluice:kafka.clusterArn': _msk, ...network } = mskContext;
const context = {
  ...network,
  'sluice:kafka.bootstrapServers': 'kafka-1.internal:9096,kafka-2.internal:9096',
  'sluice:kafka.auth': 'scram-sha-512',
  'sluice:kafka.secretArn': secretArn,
};
// One flow without IAM-auth outputs: a self-managed cluster takes SCRAM.
const topology = enrichOnlyTopology();

let synth: Synthesized;
let flows: Template;

beforeAll(() => {
  synth = synthesize(topology, context);
  flows = synth.templates.get('SluiceFlows')!;
}, 120_000);

describe('the CDK app on a self-managed Kafka cluster', () => {
  it('passes cdk-nag and cfn-lint', async () => {
    const errors = (await cfnLint([...synth.templateFiles.values()])).filter((m) => m.Level === 'Error');

    expect(synth.findings).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('maps the topic through the brokers with SCRAM-SHA-512, in the VPC, with the flow consumer group', () => {
    const [[, mapping]] = resourcesOf(flows, 'AWS::Lambda::EventSourceMapping') as [
      [string, Record<string, unknown>],
    ];

    expect(mapping).toMatchObject({
      SelfManagedEventSource: {
        Endpoints: { KafkaBootstrapServers: ['kafka-1.internal:9096', 'kafka-2.internal:9096'] },
      },
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'sluice-enrich-reviews' },
      Topics: ['reviews.clean'],
    });
    const access = mapping.SourceAccessConfigurations as { Type: string; URI: unknown }[];
    expect(access).toContainEqual({ Type: 'SASL_SCRAM_512_AUTH', URI: secretArn });
    expect(access.filter((a) => a.Type === 'VPC_SUBNET')).toHaveLength(2);
    expect(access.filter((a) => a.Type === 'VPC_SECURITY_GROUP')).toHaveLength(1);
  });

  it('grants no kafka-cluster action and reads only its own SCRAM secret', () => {
    const statements = resourcesOf(flows, 'AWS::IAM::Policy').flatMap(
      ([, p]) =>
        (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
    );
    const actions = statements.flatMap((s) => [s.Action].flat());

    expect(actions.filter((a) => a.startsWith('kafka-cluster:'))).toEqual([]);
    for (const s of statements.filter((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue'))) {
      expect(s.Resource).toBe(secretArn);
    }
    const env = (
      resourcesOf(flows, 'AWS::Lambda::Function')[0]![1].Environment as { Variables: Record<string, string> }
    ).Variables;
    expect(env).toMatchObject({ SLUICE_KAFKA_AUTH: 'scram-sha-512', SLUICE_KAFKA_SECRET_ARN: secretArn });
  });
});
