import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { toEventBridge } from '../../../shared/outputs/eventbridge.ts';
import { toSns } from '../../../shared/outputs/sns.ts';
import { toSqs } from '../../../shared/outputs/sqs.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { defineFlow, defineTopics, defineTopology } from '../../../shared/topology/index.ts';
import { mskContext } from './fixtures/topology.ts';
import { cfnLint, resourcesOf, type Synthesized, synthesize } from './support.ts';

const topics = defineTopics({
  alerts: { name: 'reviews.alerts', format: 'json', partitions: 1 },
  deadLetters: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});
const theirQueue = 'arn:aws:sqs:eu-west-1:210987654321:support-alerts.fifo';
const theirKey = 'arn:aws:kms:eu-west-1:210987654321:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const deadLetter = toTopic(topics.deadLetters);
// One flow per kind: a topic the app creates, someone else's encrypted FIFO queue, a bus the app creates.
const topology = defineTopology({
  topics,
  flows: [
    defineFlow({
      name: 'alerts-notify',
      source: { topic: topics.alerts },
      outputs: [toSns('review-alerts')],
      deadLetter,
    }),
    defineFlow({
      name: 'alerts-queue',
      source: { topic: topics.alerts },
      outputs: [toSqs(theirQueue, { groupField: 'customerId', kmsKey: theirKey })],
      deadLetter,
    }),
    defineFlow({
      name: 'alerts-bus',
      source: { topic: topics.alerts },
      outputs: [toEventBridge('reviews', { source: 'sluice.reviews', detailType: 'ReviewAlert' })],
      deadLetter,
    }),
  ],
});

let synth: Synthesized;
let flows: Template;
let data: Template;

beforeAll(() => {
  synth = synthesize(topology, { ...mskContext });
  flows = synth.templates.get('SluiceFlows')!;
  data = synth.templates.get('SluiceData')!;
}, 120_000);

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOf = (flow: string): Statement[] =>
  resourcesOf(flows, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(flow))
    .flatMap(([, props]) => (props.PolicyDocument as { Statement: Statement[] }).Statement);
const granting = (flow: string, prefix: string) =>
  statementsOf(flow).filter((s) => [s.Action].flat().some((a) => a.startsWith(prefix)));
const join = (parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const partition = { Ref: 'AWS::Partition' };
const region = { Ref: 'AWS::Region' };
const account = { Ref: 'AWS::AccountId' };

describe('the CDK app with SQS, SNS and EventBridge outputs', () => {
  it('passes cdk-nag and cfn-lint', async () => {
    const errors = (await cfnLint([...synth.templateFiles.values()])).filter((m) => m.Level === 'Error');
    expect(synth.findings).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('grants sns:Publish on the topic only, and gives the function its account to name the topic by ARN', () => {
    // Assess
    expect(granting('AlertsNotify', 'sns:')).toEqual([
      expect.objectContaining({
        Action: 'sns:Publish',
        Resource: join(['arn:', partition, ':sns:', region, ':', account, ':review-alerts']),
      }),
    ]);
    const environments = resourcesOf(flows, 'AWS::Lambda::Function')
      .filter(([id]) => id.startsWith('AlertsNotify'))
      .map(([, fn]) => (fn as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables);
    expect(environments.map((variables) => variables.SLUICE_ACCOUNT_ID)).toEqual([account]);
  });

  it("grants sqs:SendMessage and GetQueueUrl on another account's queue, and its key only through SQS", () => {
    expect(granting('AlertsQueue', 'sqs:')).toEqual([
      expect.objectContaining({ Action: ['sqs:SendMessage', 'sqs:GetQueueUrl'], Resource: theirQueue }),
    ]);
    expect(granting('AlertsQueue', 'kms:')).toEqual([
      expect.objectContaining({
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: theirKey,
        Condition: { StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } },
      }),
    ]);
  });

  it('grants events:PutEvents on the bus only, and no messaging action to a flow without such an output', () => {
    expect(granting('AlertsBus', 'events:')).toEqual([
      expect.objectContaining({
        Action: 'events:PutEvents',
        Resource: join(['arn:', partition, ':events:', region, ':', account, ':event-bus/reviews']),
      }),
    ]);
    expect(granting('AlertsBus', 'sns:')).toEqual([]);
    expect(granting('AlertsNotify', 'sqs:')).toEqual([]);
    expect(granting('AlertsNotify', 'kms:')).toEqual([]);
  });

  it('creates the topic and the bus the flows name, encrypted and TLS-only, and not the queue of another account', () => {
    const topics = resourcesOf(data, 'AWS::SNS::Topic').map(([, topic]) => topic);
    expect(topics).toHaveLength(1);
    expect(topics[0]).toMatchObject({ TopicName: 'review-alerts', KmsMasterKeyId: expect.anything() });
    expect(resourcesOf(data, 'AWS::SNS::TopicPolicy')).toHaveLength(1);
    expect(resourcesOf(data, 'AWS::Events::EventBus').map(([, bus]) => bus.Name)).toEqual(['reviews']);
    expect(resourcesOf(data, 'AWS::SQS::Queue')).toEqual([]);
  });

  it('alarms per output on its dead letters and on throttling, from the per-output metrics', () => {
    const alarms = resourcesOf(flows, 'AWS::CloudWatch::Alarm')
      .map(
        ([, alarm]) =>
          alarm as { AlarmName: string; MetricName: string; Dimensions: { Name: string; Value: string }[] },
      )
      .filter((alarm) => alarm.Dimensions?.some((d) => d.Name === 'output'));
    expect(
      alarms
        .map((a) => [a.AlarmName, a.MetricName, a.Dimensions.find((d) => d.Name === 'output')?.Value])
        .sort(),
    ).toEqual(
      [
        ['SluiceFlows-alerts-bus-Output0DeadLettered', 'RecordsDeadLettered', 'eventbridge:reviews'],
        ['SluiceFlows-alerts-bus-Output0Throttled', 'OutputThrottled', 'eventbridge:reviews'],
        ['SluiceFlows-alerts-notify-Output0DeadLettered', 'RecordsDeadLettered', 'sns:review-alerts'],
        ['SluiceFlows-alerts-notify-Output0Throttled', 'OutputThrottled', 'sns:review-alerts'],
        ['SluiceFlows-alerts-queue-Output0DeadLettered', 'RecordsDeadLettered', 'sqs:support-alerts.fifo'],
        ['SluiceFlows-alerts-queue-Output0Throttled', 'OutputThrottled', 'sqs:support-alerts.fifo'],
      ].sort(),
    );
  });
});
