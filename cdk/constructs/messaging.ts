import { ArnFormat, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OutputSpec } from '../../shared/outputs/spec.ts';
import type { Flow, Topology } from '../../shared/topology/index.ts';
import { acknowledge } from '../nag.ts';

/** The output kinds that send to an SQS queue, an SNS topic or an EventBridge bus. */
const messagingKinds: ReadonlySet<string> = new Set(['sqs', 'sns', 'eventbridge']);
export const isMessagingOutput = (output: OutputSpec): boolean => messagingKinds.has(output.kind);

const refOf = (output: OutputSpec): string =>
  output.resources.queue ?? output.resources.notificationTopic ?? output.resources.eventBus ?? '';

/** A target's ARN: as declared, or built in the stack's account and region from its name. */
export const messagingTargetArn = (stack: Stack, output: OutputSpec): string => {
  const ref = refOf(output);
  if (ref.startsWith('arn:')) return ref;
  if (output.kind === 'eventbridge')
    return stack.formatArn({
      service: 'events',
      resource: 'event-bus',
      resourceName: ref,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  return stack.formatArn({
    service: output.kind,
    resource: ref,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
};

/**
 * The statements for one SQS, SNS or EventBridge output, each on the named target only: sqs:SendMessage (which
 * SendMessageBatch needs) and sqs:GetQueueUrl (the writer looks the URL up once), sns:Publish (PublishBatch),
 * events:PutEvents; and for a target encrypted with a customer-managed key, kms:GenerateDataKey and kms:Decrypt on
 * that key, only through that service.
 */
export const messagingStatements = (
  scope: Construct,
  output: OutputSpec,
  sid: (what: string) => string,
): iam.PolicyStatement[] => {
  const stack = Stack.of(scope);
  const arn = messagingTargetArn(stack, output);
  const actions = {
    sqs: ['sqs:SendMessage', 'sqs:GetQueueUrl'],
    sns: ['sns:Publish'],
    eventbridge: ['events:PutEvents'],
  }[output.kind as 'sqs' | 'sns' | 'eventbridge'];
  const statements = [new iam.PolicyStatement({ sid: sid('Send'), actions, resources: [arn] })];
  const key = output.resources.kmsKey;
  if (key) {
    const service = output.kind === 'eventbridge' ? 'events' : output.kind;
    // The key sits in its target's region: the one its ARN names.
    const region = key.split(':')[3] || stack.region;
    statements.push(
      new iam.PolicyStatement({
        sid: sid('SendKey'),
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [key],
        conditions: { StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
      }),
    );
  }
  return statements;
};

/**
 * What a flow's function needs to name its targets: an SNS topic given by name is published to by ARN, which the
 * runtime builds from the account (Lambda sets no account variable).
 */
export const messagingEnvironment = (scope: Construct, flow: Flow): Record<string, string> =>
  flow.outputs.some((o) => o.kind === 'sns' && !refOf(o).startsWith('arn:'))
    ? { SLUICE_ACCOUNT_ID: Stack.of(scope).account }
    : {};

export interface MessagingTargetsProps {
  readonly topology: Topology;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The SQS queues, SNS topics and EventBridge buses the flows name (an ARN names someone else's; `default` is the
 * account's bus): queues with SQS-managed encryption, topics with the AWS-managed SNS key, both TLS-only. The
 * runtime finds them by name, so they carry exactly those names.
 */
export class MessagingTargets extends Construct {
  constructor(scope: Construct, id: string, props: MessagingTargetsProps) {
    super(scope, id);
    const named = new Map<string, OutputSpec>();
    for (const output of props.topology.flows.flatMap((f) => f.outputs)) {
      const ref = refOf(output);
      if (isMessagingOutput(output) && !ref.startsWith('arn:') && ref !== 'default')
        named.set(`${output.kind}:${ref}`, output);
    }
    const snsKey = named.size > 0 ? kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns') : undefined;
    for (const [key, output] of [...named].sort(([a], [b]) => a.localeCompare(b))) {
      const ref = refOf(output);
      const cid = key.replace(/[^A-Za-z0-9]/g, '');
      if (output.kind === 'sqs') {
        const queue = new sqs.Queue(this, cid, {
          queueName: ref,
          ...(ref.endsWith('.fifo') ? { fifo: true } : {}),
          encryption: sqs.QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          removalPolicy: props.removalPolicy,
        });
        acknowledge(
          queue,
          'AwsSolutions-SQS3',
          "A flow's target queue: its consumers own their redrive (a dead-letter queue of their choice); records Sluice cannot send are already dead-lettered to Kafka.",
        );
      } else if (output.kind === 'sns') {
        new sns.Topic(this, cid, {
          topicName: ref,
          ...(ref.endsWith('.fifo') ? { fifo: true } : {}),
          masterKey: snsKey,
          enforceSSL: true,
        }).applyRemovalPolicy(props.removalPolicy);
      } else {
        new events.EventBus(this, cid, { eventBusName: ref }).applyRemovalPolicy(props.removalPolicy);
      }
    }
  }
}
