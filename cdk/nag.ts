import { Aws, type Stack, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Acknowledge one cdk-nag finding; there is no way to do so without saying why. */
export const acknowledge = (scope: Construct, id: string, reason: string): void => {
  Validations.of(scope).acknowledge({ id, reason });
};

const managed = (name: string) =>
  `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${name}]`;

/**
 * The AWS-managed policies a Kafka-triggered function in a VPC carries, and why each is acceptable. They
 * hold only control-plane and logging actions; every data action is in the flow's own inline policy.
 */
export const ManagedPolicyReasons = {
  AWSLambdaBasicExecutionRole:
    'CloudWatch Logs writes for the function; its log group is created explicitly with a retention, so the policy only adds stream/put rights.',
  AWSLambdaVPCAccessExecutionRole:
    'Lambda manages the network interfaces of a VPC function with ec2:*NetworkInterface*, which IAM cannot scope below "*".',
  AWSLambdaMSKExecutionRole:
    "Added by CDK's ManagedKafkaEventSource: the event-source poller's kafka:Describe*/GetBootstrapBrokers and ENI management in the cluster's VPC. No kafka-cluster data actions.",
} as const;

export const acknowledgeManagedPolicies = (
  scope: Construct,
  names: readonly (keyof typeof ManagedPolicyReasons)[],
) => {
  for (const name of names) acknowledge(scope, managed(name), ManagedPolicyReasons[name]);
};

/** An S3 output's objects under its prefix: the key is derived per batch, so the resource ends in `/*`. */
export const acknowledgeLakePrefix = (scope: Construct, objectsArn: string) =>
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::${objectsArn}]`,
    "Lake object keys are derived from topic, partition, offset and record time at run time; the grant is limited to the output's own prefix.",
  );

export const acknowledgeReplayMarks = (scope: Construct, objectsArn: string) =>
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::${objectsArn}]`,
    "A lake output reads its own replay marks, one object per source partition, named at run time; the grant is limited to the flow's marks prefix.",
  );

/** A resource string as cdk-nag names it in a finding: pseudo-parameters in angle brackets. */
export const renderedForNag = (stack: Stack, resource: string): string =>
  [
    [Aws.PARTITION, stack.partition, '<AWS::Partition>'],
    [Aws.ACCOUNT_ID, stack.account, '<AWS::AccountId>'],
    [Aws.REGION, stack.region, '<AWS::Region>'],
  ].reduce(
    (text, [pseudo, own, rendered]) =>
      text.replaceAll(pseudo as string, rendered as string).replaceAll(own as string, rendered as string),
    resource,
  );

export const acknowledgeFailedBatches = (scope: Construct, objectsArn: string) =>
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::${objectsArn}]`,
    "The event-source mapping names a failed batch's object itself (aws/lambda/<mapping UUID>/<topic-partition>/<time>-<uuid>); the grant is limited to that prefix of the failed-batches bucket.",
  );
