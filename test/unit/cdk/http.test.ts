import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../../cdk/context.ts';
import { httpEgressFor } from '../../../cdk/http-egress.ts';
import { addSluiceStacks, createSluiceApp } from '../../../cdk/sluice-app.ts';
import { toHttp } from '../../../shared/outputs/http.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { defineFlow, defineTopics, defineTopology, type Topology } from '../../../shared/topology/index.ts';
import { fixtureFunctionsDir, mskContext } from './fixtures/topology.ts';
import { resourcesOf, type Synthesized, synthesize } from './support.ts';

const tokenSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-token-AbCdEf';
const topics = defineTopics({
  enriched: { name: 'reviews.enriched', format: 'json', partitions: 3 },
  deadLetters: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});
const topology: Topology = defineTopology({
  topics,
  flows: [
    defineFlow({
      name: 'reviews-to-crm',
      source: { topic: topics.enriched },
      outputs: [
        toHttp({
          url: 'https://crm.example.com/v1/reviews',
          batch: { ndjson: true },
          auth: { type: 'bearer', secretArn: tokenSecret },
        }),
      ],
      deadLetter: toTopic(topics.deadLetters),
    }),
    defineFlow({
      name: 'reviews-to-partner',
      source: { topic: topics.enriched, consumerGroup: 'reviews-to-partner' },
      outputs: [toHttp({ url: 'https://partner.example.net/hooks/reviews' })],
      deadLetter: toTopic(topics.deadLetters),
    }),
  ],
});

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };
const statementsOf = (flows: Template, prefix: string): Statement[] =>
  resourcesOf(flows, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(prefix))
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
const secretStatements = (statements: Statement[]) =>
  statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager:'));

/** The alarms on one output's own metrics (those with an `output` dimension): [alarm name, metric, output]. */
const perOutputAlarms = (template: Template): string[][] =>
  resourcesOf(template, 'AWS::CloudWatch::Alarm')
    .map(
      ([, alarm]) =>
        alarm as { AlarmName: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] },
    )
    .filter((alarm) => alarm.Dimensions?.some((d) => d.Name === 'output'))
    .map((a) => [a.AlarmName, a.MetricName, a.Dimensions?.find((d) => d.Name === 'output')?.Value ?? ''])
    .sort();

let synth: Synthesized;
let flows: Template;
beforeAll(() => {
  synth = synthesize(topology, { ...mskContext, 'sluice:http.egress': 'nat' });
  flows = synth.templates.get('SluiceFlows')!;
}, 120_000);

describe('http outputs in the CDK app', () => {
  it('passes cdk-nag', () => {
    expect(synth.findings).toEqual([]);
  });

  it('alarms per http output on its dead letters and on throttling (429 and 503 answers)', () => {
    expect(perOutputAlarms(flows)).toEqual(
      [
        [
          'SluiceFlows-reviews-to-crm-Output0DeadLettered',
          'RecordsDeadLettered',
          'http:crm.example.com/v1/reviews',
        ],
        ['SluiceFlows-reviews-to-crm-Output0Throttled', 'OutputThrottled', 'http:crm.example.com/v1/reviews'],
        [
          'SluiceFlows-reviews-to-partner-Output0DeadLettered',
          'RecordsDeadLettered',
          'http:partner.example.net/hooks/reviews',
        ],
        [
          'SluiceFlows-reviews-to-partner-Output0Throttled',
          'OutputThrottled',
          'http:partner.example.net/hooks/reviews',
        ],
      ].sort(),
    );
  });

  it('grants reading the auth secret, that secret only, and nothing for a flow without auth', () => {
    // Assess
    expect(secretStatements(statementsOf(flows, 'ReviewsToCrm'))).toEqual([
      {
        Sid: 'HttpSecret0reviewstocrm',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: tokenSecret,
      },
    ]);
    expect(secretStatements(statementsOf(flows, 'ReviewsToPartner'))).toEqual([]);
  });

  it('puts the secret in no environment variable', () => {
    const functions = resourcesOf(flows, 'AWS::Lambda::Function');
    expect(JSON.stringify(functions)).not.toContain('crm-token');
  });

  // Reading a stack's annotations synthesises it again: seconds on this machine.
  it('says at synth how each sending flow reaches its endpoints', () => {
    const annotations = Annotations.fromStack(synth.stacks.flows);
    annotations.hasInfo(
      '/SluiceFlows/ReviewsToCrm',
      Match.stringLikeRegexp(
        "flow reviews-to-crm sends HTTP to https://crm.example.com through the private subnets' NAT gateway.*sluice:http.egress=nat",
      ),
    );
    annotations.hasInfo(
      '/SluiceFlows/ReviewsToPartner',
      Match.stringLikeRegexp('https://partner.example.net'),
    );
  }, 60_000);

  it('refuses to synthesise without being told how flows reach the internet, naming them and their endpoints', () => {
    // Prepare: an imported VPC (not the sandbox's, which has a NAT gateway), no sluice:http.egress.
    const app = createSluiceApp({ context: mskContext });
    const settings = readSettings((key) => (mskContext as Record<string, string>)[key]);

    // Act + Assess
    expect(() => addSluiceStacks(app, topology, settings, { functionsDir: fixtureFunctionsDir })).toThrow(
      'context sluice:http.egress: required: flows send HTTP from private subnets (reviews-to-crm → https://crm.example.com; reviews-to-partner → https://partner.example.net); say how they reach the endpoints: nat (the subnets route through a NAT gateway) or private (the endpoints are inside the VPC or behind a VPC endpoint)',
    );
  });

  it('takes nat or private only, and NAT in the sandbox (its VPC has a NAT gateway)', () => {
    const get = (context: Record<string, string>) => (key: string) => context[key];
    expect(() => readSettings(get({ ...mskContext, 'sluice:http.egress': 'internet' }))).toThrow(
      /context sluice:http\.egress: "internet" is not one of nat, private/,
    );
    expect(readSettings(get({ ...mskContext, 'sluice:http.egress': 'private' })).httpEgress).toBe('private');
    expect(httpEgressFor(readSettings(get({ 'sluice:sandbox': 'true' })))).toBe('nat');
    expect(httpEgressFor(readSettings(get(mskContext)))).toBeUndefined();
  });
});
