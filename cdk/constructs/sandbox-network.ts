import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** The construct id CDK gives the AwsCustomResource provider function (fixed in aws-cdk-lib). */
const SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

export interface SandboxNetworkProps {
  /**
   * Availability zones for the VPC (and so for the cluster, which needs at least two).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * NAT gateways: the event-source mapping's pollers reach Lambda and STS through them.
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Retention of the VPC flow logs.
   * @default one week
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * An empty-account playground: a VPC and an MSK Serverless cluster with IAM auth. Not for production —
 * MSK Serverless bills per cluster-hour whether or not records flow (see README "Deploy").
 */
export class SandboxNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  readonly clusterArn: string;
  /** The SASL/IAM bootstrap string, read once at deploy time (MSK has no CloudFormation attribute for it). */
  readonly bootstrapServers: string;
  /** Attached to the cluster; allows Kafka over IAM (9098) from itself, so pollers and flows share it. */
  readonly kafkaSecurityGroup: ec2.ISecurityGroup;

  constructor(scope: Construct, id: string, props: SandboxNetworkProps = {}) {
    super(scope, id);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs ?? 2,
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Free gateway endpoints keep lake writes and table reads off the NAT gateway's per-GB charge.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', {
          retention: props.flowLogRetention ?? logs.RetentionDays.ONE_WEEK,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      ),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    this.vpc = vpc;

    const sg = new ec2.SecurityGroup(this, 'KafkaClients', {
      vpc,
      description: 'Sluice sandbox: MSK Serverless cluster, its event-source pollers and the flows',
      allowAllOutbound: true,
    });
    sg.addIngressRule(sg, ec2.Port.tcp(9098), 'Kafka over SASL/IAM from members of this group');
    this.kafkaSecurityGroup = sg;

    const cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
      clusterName: 'sluice-sandbox',
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [
        {
          subnetIds: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
          securityGroups: [sg.securityGroupId],
        },
      ],
    });
    this.clusterArn = cluster.attrArn;

    const brokers = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      onUpdate: {
        service: 'Kafka',
        action: 'getBootstrapBrokers',
        parameters: { ClusterArn: cluster.attrArn },
        physicalResourceId: cr.PhysicalResourceId.of(cluster.attrArn),
        outputPaths: ['BootstrapBrokerStringSaslIam'],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [cluster.attrArn] }),
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
    });
    this.bootstrapServers = brokers.getResponseField('BootstrapBrokerStringSaslIam');
    // The custom resource's provider is a stack-wide singleton; acknowledge on it, not on the whole stack.
    const provider = Stack.of(this).node.tryFindChild(SINGLETON_ID);
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's AwsCustomResource provider (one GetBootstrapBrokers call at deploy time) logs through the managed basic execution policy.",
      });
    }
    new CfnOutput(this, 'ClusterArn', { value: cluster.attrArn, key: 'SandboxClusterArn' });
  }
}
