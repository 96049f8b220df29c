import { join } from 'node:path';
import { App, type AppProps, RemovalPolicy, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { martTablesWithDdl } from '../shared/outputs/postgres-provision.ts';
import type { Topology } from '../shared/topology/index.ts';
import { failedBatchesBucketName } from './constructs/failed-batches.ts';
import type { DeploySettings } from './context.ts';
import { checkHttpEgress, httpEgressFor } from './http-egress.ts';
import type { KafkaCluster } from './kafka.ts';
import { DataStack } from './stacks/data-stack.ts';
import { FlowsStack } from './stacks/flows-stack.ts';
import { SandboxStack } from './stacks/sandbox-stack.ts';
import { checkKafkaAuth, defaultFunctionsDir, flowEntries } from './topology.ts';

/** Feature flags the stacks rely on; set on the app, so they hold without a `cdk.json`. */
export const FeatureFlags = {
  // Access logs delivered under a bucket policy, so the log bucket can keep ACLs disabled.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  // Cross-stack references (data -> flows) stay strong: the data stack cannot drop what flows still use.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
} as const;

/** A CDK app with Sluice's feature flags and the AwsSolutions cdk-nag pack attached. */
export const createSluiceApp = (props: AppProps = {}): App => {
  const app = new App({ ...props, context: { ...FeatureFlags, ...props.context } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
};

export interface SluiceStacks {
  readonly sandbox?: SandboxStack;
  readonly data: DataStack;
  readonly flows: FlowsStack;
}

export interface SluiceAppOptions {
  /**
   * Stack name prefix.
   * @default 'Sluice'
   */
  readonly prefix?: string;
  /**
   * Account and region of every stack.
   * @default environment-agnostic
   */
  readonly env?: StackProps['env'];
  /**
   * Folder of the flow files, `<flow name>.ts` each: the bundle entries.
   * @default `functions/` in the repository
   * @example functionsDir: join(import.meta.dirname, 'flows')
   */
  readonly functionsDir?: string;
}

/**
 * Adds the Sluice stacks for a topology to an app. The topology is the runtime's, already validated by
 * `defineFlow`/`defineTopology`; only what depends on the deployment (flow files, the cluster kind) is checked
 * here, before any stack is built.
 */
export const addSluiceStacks = (
  app: App,
  topology: Topology,
  settings: DeploySettings,
  options: SluiceAppOptions = {},
): SluiceStacks => {
  const prefix = options.prefix ?? 'Sluice';
  const env = options.env ? { env: options.env } : {};
  const entries = flowEntries(topology, options.functionsDir);
  checkKafkaAuth(topology, settings.kafka.kind !== 'self-managed');
  const httpEgress = httpEgressFor(settings);
  checkHttpEgress(topology, httpEgress);
  const removalPolicy = settings.removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

  let sandbox: SandboxStack | undefined;
  let kafka: KafkaCluster;
  let vpc: (scope: Construct) => ec2.IVpc;
  let subnets: ec2.SubnetSelection;
  let kafkaSecurityGroup: ((scope: Construct) => ec2.ISecurityGroup) | undefined;

  if (settings.kafka.kind === 'sandbox') {
    sandbox = new SandboxStack(app, `${prefix}Sandbox`, {
      ...env,
      description: 'Sluice sandbox: VPC and MSK Serverless cluster (IAM auth)',
    });
    const network = sandbox.network;
    kafka = {
      kind: 'msk',
      clusterArn: network.clusterArn,
      bootstrapServers: network.bootstrapServers,
      auth: 'iam',
    };
    vpc = () => network.vpc;
    subnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    kafkaSecurityGroup = () => network.kafkaSecurityGroup;
  } else {
    const network = settings.network;
    if (!network) throw new Error('settings.network is required unless the sandbox is on');
    kafka = settings.kafka;
    // Imported from context by id: no lookup, so synth needs no credentials and stays deterministic.
    vpc = (scope) => {
      const imported = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
        vpcId: network.vpcId,
        availabilityZones: [...network.availabilityZones],
        privateSubnetIds: [...network.subnetIds],
      });
      Validations.of(imported).acknowledge({
        id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason:
          "Sluice adds no routes or endpoints to an imported VPC, so its subnets' route tables are never read.",
      });
      return imported;
    };
    subnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const groupId = network.kafkaSecurityGroupId;
    if (groupId)
      kafkaSecurityGroup = (scope) => ec2.SecurityGroup.fromSecurityGroupId(scope, 'KafkaClients', groupId);
  }

  const data = new DataStack(app, `${prefix}Data`, {
    ...env,
    description: 'Sluice data: reference tables, lake bucket, search domain',
    topology,
    vpc,
    subnets,
    removalPolicy,
    searchDomainName: `${prefix.toLowerCase()}-search`,
    failedBatchesBucketName: failedBatchesBucketName(prefix),
    flowsStackName: `${prefix}Flows`,
    ...(settings.postgres
      ? { postgres: settings.postgres }
      : {
          martTables: martTablesWithDdl(topology, join(options.functionsDir ?? defaultFunctionsDir, 'sql')),
        }),
    ...(settings.searchInstanceType ? { searchInstanceType: settings.searchInstanceType } : {}),
    ...(settings.searchDataNodes ? { searchDataNodes: settings.searchDataNodes } : {}),
  });
  const flows = new FlowsStack(app, `${prefix}Flows`, {
    ...env,
    description: 'Sluice flows: functions, Kafka event-source mappings, alarms, dashboard',
    topology,
    entries,
    kafka,
    data,
    vpc,
    subnets,
    ...(kafkaSecurityGroup ? { kafkaSecurityGroup } : {}),
    ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
    ...(settings.platformLogs !== undefined ? { platformLogs: settings.platformLogs } : {}),
    ...(httpEgress ? { httpEgress } : {}),
  });
  return { ...(sandbox ? { sandbox } : {}), data, flows };
};
