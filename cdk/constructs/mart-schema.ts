import { join } from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { MartTable } from '../../shared/outputs/postgres-provision.ts';
import { nodejsBundling, projectRoot } from '../bundling.ts';
import type { MartSchemaProperties } from '../handlers/mart-schema.ts';
import { acknowledge, acknowledgeManagedPolicies } from '../nag.ts';

export interface MartSchemaProps {
  readonly cluster: rds.DatabaseCluster;
  readonly database: string;
  /** The cluster's administrator secret: only this construct's function reads it. */
  readonly adminSecret: secretsmanager.ISecret;
  /** The flows' user's secret (the one the proxy holds): its username and password become the database user's. */
  readonly flowSecret: secretsmanager.ISecret;
  /** The tables the flows write, with their DDL (`functions/sql/<table>.sql`). */
  readonly tables: readonly MartTable[];
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
}

/**
 * Runs the mart provisioning (`shared/outputs/postgres-provision.ts`) against the cluster at deploy time: the
 * flows' tables from their DDL and the flows' database user with rights on those tables' rows only. A function
 * in the VPC, reaching only the cluster's port, reading only the two secrets; it runs again when the DDL or the
 * cluster changes.
 */
export class MartSchema extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: MartSchemaProps) {
    super(scope, id);
    const group = new ec2.SecurityGroup(this, 'Group', {
      vpc: props.vpc,
      description: 'Sluice mart schema provisioner: reaches the cluster and Secrets Manager',
      allowAllOutbound: true,
    });
    props.cluster.connections.allowDefaultPortFrom(group, 'PostgreSQL from the mart schema provisioner');
    const provisioner = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(projectRoot, 'cdk', 'handlers', 'mart-schema.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(2),
      description: 'Sluice: creates the mart tables and the flows’ database user (deploy time)',
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      // The runtime's Amazon CA bundle, RDS certificates included: the cluster's certificate is verified.
      environment: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' },
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [group],
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      bundling: nodejsBundling(),
    });
    props.adminSecret.grantRead(provisioner);
    props.flowSecret.grantRead(provisioner);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: provisioner,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    const properties: MartSchemaProperties = {
      host: props.cluster.clusterEndpoint.hostname,
      port: String(props.cluster.clusterEndpoint.port),
      database: props.database,
      adminSecretArn: props.adminSecret.secretArn,
      flowSecretArn: props.flowSecret.secretArn,
      tables: JSON.stringify(props.tables),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SluiceMartSchema',
      properties,
    });
    // The writer must be up before the provisioner signs in.
    this.resource.node.addDependency(props.cluster);

    acknowledgeManagedPolicies(provisioner, [
      'AWSLambdaBasicExecutionRole',
      'AWSLambdaVPCAccessExecutionRole',
    ]);
    acknowledge(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "CDK's custom-resource Provider framework function logs through the managed basic execution policy.",
    );
    acknowledge(
      provider,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(provisioner.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      "CDK's Provider framework invokes the provisioner's versions and aliases (`<function ARN>:*`); the grant names that one function.",
    );
  }
}
