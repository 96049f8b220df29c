import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../cdk/bundling.ts';
import { topology } from '../../../functions/topology.ts';
import { mskContext } from './fixtures/topology.ts';
import { resourcesOf, type Synthesized, synthesize } from './support.ts';

// One synthesis of the reference topology (real bundling of functions/) for the whole file.
let synth: Synthesized;
let flows: Template;
let data: Template;

beforeAll(() => {
  synth = synthesize(topology, { ...mskContext }, join(projectRoot, 'functions'));
  flows = synth.templates.get('SluiceFlows')!;
  data = synth.templates.get('SluiceData')!;
}, 180_000);

type Alarm = Record<string, unknown> & {
  MetricName?: string;
  Dimensions?: { Name: string; Value: string }[];
};
const alarms = (): Alarm[] => resourcesOf(flows, 'AWS::CloudWatch::Alarm').map(([, a]) => a as Alarm);
const flowOf = (alarm: Alarm) => alarm.Dimensions?.find((d) => d.Name === 'flow')?.Value;

describe('the CDK app and the product-ratings flow of the reference topology', () => {
  it('synthesises a function for it, mapped to the repartition topic reviews.by-product', () => {
    // Prepare / Act: synthesised once above. Assess:
    const mappings = resourcesOf(flows, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m);
    const topicsRead = mappings.map((m) => (m.Topics as string[])[0]);
    expect(topicsRead).toContain('reviews.by-product');
    expect(topicsRead).toContain('reviews.enriched');
    expect(synth.findings).toEqual([]);
  });

  it('keeps its windows in the product-stats table: on demand, point-in-time recovery, TTL on their expiry', () => {
    // Prepare / Act: synthesised once above. Assess:
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'product-stats',
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: '_sluice_expires', Enabled: true },
    });
  });

  it('alarms on any late record it dead-letters, from its LateRecords metric; stateless flows get no such alarm', () => {
    // Prepare / Act: synthesised once above.
    const all = alarms().filter((a) => a.MetricName === 'LateRecords');
    const late = all.filter((a) => flowOf(a) === 'product-ratings');
    // Assess: the stateful flows, the join's two sides among them (they dead-letter late records too).
    expect(all.map(flowOf).sort()).toEqual(['product-ratings', 'verified-orders', 'verified-reviews']);
    expect(late[0]).toMatchObject({
      Namespace: 'Sluice',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(late[0]?.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'service', Value: 'product-ratings' },
        { Name: 'flow', Value: 'product-ratings' },
      ]),
    );
  });
});
