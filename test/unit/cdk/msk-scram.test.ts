import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { enrichOnlyTopology, mskContext } from './fixtures/topology.ts';
import { resourcesOf, type Synthesized, synthesize } from './support.ts';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_sluice-AbCdEf';
const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const context = {
  ...mskContext,
  'sluice:kafka.auth': 'scram-sha-512',
  'sluice:kafka.secretArn': secretArn,
  'sluice:kafka.secretKeyArn': keyArn,
};
// One flow whose outputs take the cluster's SCRAM auth.
const topology = enrichOnlyTopology();

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
let synth: Synthesized;
let flows: Template;

beforeAll(() => {
  synth = synthesize(topology, context);
  flows = synth.templates.get('SluiceFlows')!;
}, 120_000);

describe('the CDK app on an MSK cluster with SCRAM auth', () => {
  it('passes cdk-nag', () => {
    expect(synth.findings).toEqual([]);
  });

  it("lets the flow decrypt its SCRAM secret with the secret's customer-managed key, through Secrets Manager only", () => {
    const statements = resourcesOf(flows, 'AWS::IAM::Policy').flatMap(
      ([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    const decrypt = statements.filter((s) => [s.Action].flat().includes('kms:Decrypt'));

    expect(decrypt).toHaveLength(1);
    expect(decrypt[0]).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: keyArn,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
    const read = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(new Set(read.map((s) => s.Resource))).toEqual(new Set([secretArn]));
  });
});
