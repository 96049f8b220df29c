import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureTopology, sandboxContext } from './fixtures/topology.ts';
import { cfnLint, resourcesOf, type Synthesized, snapshotOf, synthesize } from './support.ts';

let synth: Synthesized;
let sandbox: Template;
let flows: Template;

beforeAll(() => {
  synth = synthesize(fixtureTopology, { ...sandboxContext });
  sandbox = synth.templates.get('SluiceSandbox')!;
  flows = synth.templates.get('SluiceFlows')!;
}, 120_000);

describe('the CDK app in sandbox mode', () => {
  it('passes the AwsSolutions cdk-nag pack with no unacknowledged finding', () => {
    expect(synth.findings).toEqual([]);
  });

  it('synthesises templates that cfn-lint reports no errors for', async () => {
    const matches = await cfnLint([...synth.templateFiles.values()]);

    expect(matches.filter((m) => m.Level === 'Error').map((m) => `${m.Rule.Id} ${m.Message}`)).toEqual([]);
  }, 60_000);

  it('creates an MSK Serverless cluster with IAM auth in its own VPC, with flow logs', () => {
    const [[, cluster]] = resourcesOf(sandbox, 'AWS::MSK::ServerlessCluster') as [
      [string, Record<string, unknown>],
    ];

    expect(cluster.ClientAuthentication).toEqual({ Sasl: { Iam: { Enabled: true } } });
    expect(resourcesOf(sandbox, 'AWS::EC2::VPC')).toHaveLength(1);
    expect(resourcesOf(sandbox, 'AWS::EC2::FlowLog')).toHaveLength(1);
    expect(resourcesOf(sandbox, 'AWS::EC2::NatGateway')).toHaveLength(1);
  });

  it('points every mapping at the sandbox cluster and gives producers its IAM bootstrap brokers', () => {
    for (const [, mapping] of resourcesOf(flows, 'AWS::Lambda::EventSourceMapping')) {
      expect(JSON.stringify(mapping.EventSourceArn)).toContain('SandboxCluster');
    }
    const producers = resourcesOf(flows, 'AWS::Lambda::Function').filter(
      ([, fn]) => (fn.Environment as { Variables: Record<string, unknown> }).Variables.SLUICE_KAFKA_BROKERS,
    );
    // Every flow has a dead-letter topic, so every one produces.
    expect(producers).toHaveLength(fixtureTopology.flows.length);
    for (const [, fn] of producers) {
      const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.SLUICE_KAFKA_AUTH).toBe('iam');
      expect(JSON.stringify(env.SLUICE_KAFKA_BROKERS)).toContain('BootstrapBrokerStringSaslIam');
    }
  });

  it('scopes kafka-cluster grants to topic and group ARNs of the sandbox cluster', () => {
    const statements = resourcesOf(flows, 'AWS::IAM::Policy').flatMap(
      ([, p]) =>
        (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
    );
    const kafka = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kafka-cluster:')));

    expect(kafka.length).toBeGreaterThan(0);
    for (const s of kafka) expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|\/\*"/);
  });

  it('matches the recorded snapshot of each stack', () => {
    for (const [name, template] of synth.templates) expect(snapshotOf(template), name).toMatchSnapshot(name);
  });
});
