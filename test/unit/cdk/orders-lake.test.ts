// The reference flow orders-lake (functions/orders-lake.ts, as declared there) in the CDK app: in-function decoding
// on the Glue registry gets its least-privilege Glue grants, the lake output its prefix; the mapping stays without
// a SchemaRegistryConfig (the function decodes, in every mode).
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { flow as ordersLake } from '../../../functions/orders-lake.ts';
import { lake, topics } from '../../../functions/resources.ts';
import { defineTopology } from '../../../shared/topology/index.ts';
import { mskContext } from './fixtures/topology.ts';
import { resourcesOf, type Synthesized, synthesize } from './support.ts';

type Statement = { Action: string | string[]; Resource: unknown };
let synth: Synthesized;
let flows: Template;

beforeAll(() => {
  const topology = defineTopology({
    topics: { orders: topics.orders, ordersDeadLetters: topics.ordersDeadLetters },
    bucket: lake,
    flows: [ordersLake],
  });
  synth = synthesize(topology, mskContext);
  flows = synth.templates.get('SluiceFlows')!;
}, 120_000);

const statements = (): Statement[] =>
  resourcesOf(flows, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith('OrdersLake'))
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
const text = (value: unknown): string => JSON.stringify(value);

describe('orders-lake in the CDK app', () => {
  it('synthesises with no cdk-nag finding', () => {
    expect(synth.findings).toEqual([]);
  });

  it('may read writer schemas of the sluice Glue registry only: GetSchemaVersion and GetSchemaByDefinition', () => {
    // Act
    const glue = statements().filter((s) => text(s.Action).includes('glue:'));
    // Assess
    expect(glue).toHaveLength(1);
    expect([glue[0]?.Action].flat().sort()).toEqual(['glue:GetSchemaByDefinition', 'glue:GetSchemaVersion']);
    expect(text(glue[0]?.Resource)).toContain(':registry/sluice');
    expect(text(glue[0]?.Resource)).toContain(':schema/sluice/*');
    expect(text(glue[0]?.Resource)).not.toContain('"*"');
  });

  it('writes lake objects under orders/ only, and its mapping hands the function the framed bytes', () => {
    // Act
    const put = statements().filter((s) => text(s.Action).includes('s3:PutObject'));
    const mapping = resourcesOf(flows, 'AWS::Lambda::EventSourceMapping')[0]?.[1];
    // Assess
    expect(text(put.map((s) => s.Resource))).toContain('/orders/*');
    expect(text(mapping)).not.toContain('SchemaRegistryConfig');
    expect(text(mapping)).toContain('"orders"');
  });
});
