import { Annotations, CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { Topology } from '../../shared/topology/index.ts';
import { failureDestinationOf } from '../../shared/topology/on-failure.ts';
import { FlowFunction } from '../constructs/flow.ts';
import { FlowsDashboard } from '../constructs/flows-dashboard.ts';
import type { HttpEgress } from '../context.ts';
import { httpEgressNote } from '../http-egress.ts';
import type { KafkaCluster } from '../kafka.ts';
import type { DataStack } from './data-stack.ts';

export interface FlowsStackProps extends StackProps {
  /** The runtime's validated topology. */
  readonly topology: Topology;
  /** Each flow's bundle entry, by flow name (`flowEntries`). */
  readonly entries: ReadonlyMap<string, string>;
  readonly kafka: KafkaCluster;
  readonly data: DataStack;
  /** The VPC, imported into (or referenced from) this stack. */
  readonly vpc: (scope: Construct) => ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /**
   * A group the cluster admits, added to every flow besides the data stack's flows group.
   * @default none
   */
  readonly kafkaSecurityGroup?: (scope: Construct) => ec2.ISecurityGroup;
  /** @default no alarm notifications */
  readonly alarmEmail?: string;
  /** Keep Lambda's own START/END/REPORT lines. @default false */
  readonly platformLogs?: boolean;
  /**
   * How http outputs leave the VPC (checked present by `addSluiceStacks` when a flow has one).
   * @default none: no flow has an http output
   */
  readonly httpEgress?: HttpEgress;
}

/** `cleanse-reviews` -> `CleanseReviews`: output keys must be alphanumeric. */
export const pascal = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');

/** Names of the stack outputs that `npm run invoke -- --remote` and people read. */
export const OutputKey = {
  /** JSON: { functions: {flow: name}, bucket, failedBatches, searchEndpoint, index, tables: {table: name} }. */
  manifest: 'SluiceManifest',
  function: (flow: string) => `${pascal(flow)}FunctionName`,
  bucket: 'LakeBucketName',
  /** The bucket failed batches land in (AWS's `aws/lambda/<ESM-UUID>/<topic>-<partition>/…` keys). */
  failedBatches: 'FailedBatchesBucketName',
  searchEndpoint: 'SearchEndpoint',
  table: (table: string) => `Table${pascal(table)}`,
  dashboard: 'DashboardName',
} as const;

/** The flows: one function and one event-source mapping each, their grants and alarms, one dashboard. */
export class FlowsStack extends Stack {
  readonly flows: ReadonlyMap<string, FlowFunction>;

  constructor(scope: Construct, id: string, props: FlowsStackProps) {
    super(scope, id, props);
    const { data, topology } = props;
    // Grants name the data stack's resources by name, not by reference: order the deployment explicitly.
    this.addStackDependency(data);
    const vpc = props.vpc(this);
    const kafkaGroup = props.kafkaSecurityGroup?.(this);
    const alarmTopic = props.alarmEmail ? new sns.Topic(this, 'Alarms', { enforceSSL: true }) : undefined;
    if (alarmTopic && props.alarmEmail) {
      alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(alarmTopic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names and states only; the AWS-managed SNS key adds no protection here.',
      });
    }
    const flows = new Map<string, FlowFunction>();
    // An existing proxy's group, for the flows that write PostgreSQL (a created proxy admits the flows' group).
    const martGroupId = data.postgres?.securityGroupId;
    const martGroup = martGroupId
      ? ec2.SecurityGroup.fromSecurityGroupId(this, 'MartClients', martGroupId)
      : undefined;
    for (const flow of topology.flows) {
      const writesMart = flow.outputs.some((o) => o.kind === 'postgres');
      const entry = props.entries.get(flow.name);
      if (entry === undefined) throw new Error(`flows.${flow.name}: no bundle entry`);
      const construct = new FlowFunction(this, pascal(flow.name), {
        flow,
        entry,
        onFailure: failureDestinationOf(flow, topology),
        kafka: props.kafka,
        tables: topology.tables.map((t) => t.name),
        ...(topology.bucket ? { bucket: topology.bucket.name } : {}),
        ...(data.search && topology.index
          ? {
              search: { domainName: data.search.domainName, index: topology.index.name },
              searchEndpoint: data.search.endpoint,
            }
          : {}),
        ...(data.postgres ? { postgres: data.postgres } : {}),
        network: {
          vpc,
          subnets: props.subnets,
          securityGroups: [
            data.flowsSecurityGroup,
            ...(kafkaGroup ? [kafkaGroup] : []),
            ...(writesMart && martGroup ? [martGroup] : []),
          ],
        },
        failedBatchesBucket: data.failedBatches.bucketName,
        ...(alarmTopic ? { alarmTopic } : {}),
        ...(props.platformLogs !== undefined ? { platformLogs: props.platformLogs } : {}),
      });
      flows.set(flow.name, construct);
      const egress = props.httpEgress && httpEgressNote(flow, props.httpEgress);
      if (egress) Annotations.of(construct).addInfo(egress);
    }
    this.flows = flows;
    // Any object in the failed-batches bucket is a batch a mapping gave up on: its records await a redrive.
    const failedBatches = new cloudwatch.Alarm(this, 'FailedBatches', {
      alarmName: `${this.stackName}-FailedBatches`,
      alarmDescription: `Sluice: a mapping gave up on a batch; its invocation record is in the failed-batches bucket (npm run redrive)`,
      metric: data.failedBatches.metricPuts(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (alarmTopic) failedBatches.addAlarmAction(new cwActions.SnsAction(alarmTopic));
    const dashboard = new FlowsDashboard(this, 'Dashboard', { dashboardName: `${this.stackName}`, flows });

    const functions: Record<string, string> = {};
    for (const [name, flow] of flows) {
      functions[name] = flow.function.functionName;
      new CfnOutput(this, `Out${pascal(name)}`, {
        key: OutputKey.function(name),
        value: flow.function.functionName,
        description: `Function of flow ${name}`,
      });
    }
    // Tables and bucket carry the topology's names: literal outputs, no cross-stack imports.
    const tables: Record<string, string> = {};
    for (const { name } of topology.tables) {
      tables[name] = name;
      new CfnOutput(this, `OutTable${pascal(name)}`, {
        key: OutputKey.table(name),
        value: name,
        description: `Table ${name}`,
      });
    }
    if (topology.bucket) {
      new CfnOutput(this, 'OutBucket', {
        key: OutputKey.bucket,
        value: topology.bucket.name,
        description: 'Lake bucket',
      });
    }
    if (data.search) {
      new CfnOutput(this, 'OutSearch', {
        key: OutputKey.searchEndpoint,
        value: data.search.endpoint,
        description: 'OpenSearch endpoint',
      });
    }
    new CfnOutput(this, 'OutFailedBatches', {
      key: OutputKey.failedBatches,
      value: data.failedBatches.bucketName,
      description: 'Bucket of failed batches (the invocation records the mappings gave up on)',
    });
    new CfnOutput(this, 'OutDashboard', {
      key: OutputKey.dashboard,
      value: dashboard.dashboard.dashboardName,
    });
    new CfnOutput(this, 'OutManifest', {
      key: OutputKey.manifest,
      description: 'Every flow function, table, the bucket and the search endpoint, as JSON',
      value: this.toJsonString({
        functions,
        tables,
        ...(topology.bucket ? { bucket: topology.bucket.name } : {}),
        failedBatches: data.failedBatches.bucketName,
        ...(data.search ? { searchEndpoint: data.search.endpoint, index: topology.index?.name } : {}),
      }),
    });
  }
}
