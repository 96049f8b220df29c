import { Duration, Fn, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { MartFlowUser, type MartTable } from '../../shared/outputs/postgres-provision.ts';
import type { PostgresSettings } from '../context.ts';
import { MartSchema } from './mart-schema.ts';

/** What `toPostgres` flows need to reach and sign in to their database: the flows stack reads it. */
export interface PostgresTarget {
  /** The RDS Proxy endpoint (host name). */
  readonly endpoint: string;
  readonly port: number;
  readonly database: string;
  readonly auth: 'iam' | 'secret';
  /** The database user of IAM auth. */
  readonly user?: string;
  /** The proxy's ARN: `rds-db:connect` names its resource id (`prx-…`). */
  readonly proxyArn?: string;
  readonly secretArn?: string;
  readonly secretKeyArn?: string;
  /** A group the proxy admits, added to `toPostgres` flows (an existing proxy's; a created one admits the flows' group). */
  readonly securityGroupId?: string;
}

/** `rds-db:connect`'s resource for a user through a proxy: `arn:…:rds-db:<region>:<account>:dbuser:<prx-id>/<user>`. */
export const proxyConnectArn = (stack: Stack, proxyArn: string, user: string): string => {
  const parts = Fn.split(':', proxyArn);
  return `arn:${stack.partition}:rds-db:${Fn.select(3, parts)}:${Fn.select(4, parts)}:dbuser:${Fn.select(6, parts)}/${user}`;
};

export interface MartDatabaseProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The flows' group: the only one the proxy admits. */
  readonly clients: ec2.ISecurityGroup;
  readonly removalPolicy: RemovalPolicy;
  /** The tables the flows write, with their DDL: created at deploy time with the flows' user. */
  readonly tables: readonly MartTable[];
  /**
   * Aurora Serverless v2 capacity units.
   * @default { min: 0.5, max: 2 }
   * @example capacity: { min: 1, max: 8 }
   */
  readonly capacity?: { readonly min: number; readonly max: number };
}

/** The database the reference flows write when no existing proxy is given in context. */
export const MartDefaults = {
  database: 'mart',
  /** The cluster's administrator: only the mart-schema provisioner signs in as it. */
  admin: 'sluice_admin',
  /** The flows' database user: rows of the mart tables only (`MartFlowPrivileges`). */
  user: MartFlowUser,
  port: 5432,
} as const;

/**
 * An Aurora PostgreSQL Serverless v2 cluster behind an RDS Proxy: the proxy pools the many Lambda environments'
 * connections onto few database connections, takes IAM auth tokens from the flows and requires TLS. The proxy
 * holds only the flows' user's secret, so a flow can sign in as that user alone, whose rights are the mart
 * tables' rows; the administrator's secret is read only by the deploy-time provisioner (`MartSchema`), which
 * creates the tables and that user. Only the flows' security group reaches the proxy; only the proxy and the
 * provisioner reach the cluster.
 */
export class MartDatabase extends Construct {
  readonly target: PostgresTarget;
  readonly proxy: rds.DatabaseProxy;
  readonly cluster: rds.DatabaseCluster;
  /** The flows' user's credentials: the secret the proxy signs in to the cluster with. */
  readonly flowSecret: rds.DatabaseSecret;
  readonly schema: MartSchema;

  constructor(scope: Construct, id: string, props: MartDatabaseProps) {
    super(scope, id);
    const retain = props.removalPolicy === RemovalPolicy.RETAIN;
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      serverlessV2MinCapacity: props.capacity?.min ?? 0.5,
      serverlessV2MaxCapacity: props.capacity?.max ?? 2,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      defaultDatabaseName: MartDefaults.database,
      credentials: rds.Credentials.fromGeneratedSecret(MartDefaults.admin),
      storageEncrypted: true,
      iamAuthentication: true,
      deletionProtection: retain,
      removalPolicy: props.removalPolicy,
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
    });
    const proxyGroup = new ec2.SecurityGroup(this, 'ProxyGroup', {
      vpc: props.vpc,
      description: 'Sluice mart RDS Proxy: admits the flow functions',
      allowAllOutbound: true,
    });
    proxyGroup.addIngressRule(props.clients, ec2.Port.tcp(MartDefaults.port), 'PostgreSQL from the flows');
    this.flowSecret = new rds.DatabaseSecret(this, 'FlowUserSecret', { username: MartDefaults.user });
    this.schema = new MartSchema(this, 'Schema', {
      cluster: this.cluster,
      database: MartDefaults.database,
      adminSecret: this.cluster.secret as NonNullable<rds.DatabaseCluster['secret']>,
      flowSecret: this.flowSecret,
      tables: props.tables,
      vpc: props.vpc,
      subnets: props.subnets,
    });
    this.proxy = this.cluster.addProxy('Proxy', {
      secrets: [this.flowSecret],
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [proxyGroup],
      iamAuth: true,
      requireTLS: true,
    });
    this.cluster.connections.allowDefaultPortFrom(proxyGroup, 'PostgreSQL from the RDS Proxy');
    this.target = {
      endpoint: this.proxy.endpoint,
      port: MartDefaults.port,
      database: MartDefaults.database,
      auth: 'iam',
      user: MartDefaults.user,
      proxyArn: this.proxy.dbProxyArn,
    };
    const acknowledge = (resource: Construct, id: string, reason: string) =>
      Validations.of(resource).acknowledge({ id, reason });
    acknowledge(
      this.cluster,
      'AwsSolutions-RDS11',
      'Only the RDS Proxy reaches the cluster (its security group admits the proxy alone); a non-default port adds nothing.',
    );
    // The generated secret is a child of the cluster (cluster.secret is its attachment, not the secret).
    acknowledge(
      this.cluster,
      'AwsSolutions-SMG4',
      'Only the mart-schema provisioner reads the administrator secret, at deploy time. Rotation needs a rotation function in the VPC, left to the operator.',
    );
    acknowledge(
      this.flowSecret,
      'AwsSolutions-SMG4',
      "Only the RDS Proxy reads the flows' user's secret; flows sign in with 15-minute IAM tokens. A rotated password reaches the database on the next deploy (the provisioner sets it), so rotation is left to the operator.",
    );
    if (!retain)
      acknowledge(
        this.cluster,
        'AwsSolutions-RDS10',
        'sluice:removal=destroy (the sandbox): `cdk destroy` is meant to remove the cluster.',
      );
  }
}

/** An existing database from context: nothing created, only what the flows need to reach it. */
export const importedTarget = (settings: PostgresSettings): PostgresTarget => ({ ...settings });
