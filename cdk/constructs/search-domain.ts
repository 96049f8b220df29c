import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';

export interface SearchDomainProps {
  /** Domain name (3-28 lower-case letters, digits, dashes); fixed so grants can name its ARN. */
  readonly domainName: string;
  readonly vpc: ec2.IVpc;
  /** Subnets for the domain's network interfaces (one per data node AZ). */
  readonly subnets: ec2.SubnetSelection;
  /** Groups whose members may call the domain over HTTPS (443). */
  readonly clients: readonly ec2.ISecurityGroup[];
  /** The index the flows write; the domain policy names it and nothing else. */
  readonly index: string;
  /**
   * ARNs of the roles that write the index (the flows with an OpenSearch output), built from their names: the
   * roles live in the flows stack, deployed after this one.
   */
  readonly clientRoles: readonly string[];
  /**
   * Data node instance type. t3.small does not support encryption at rest, so the smallest default is medium.
   * @default 't3.medium.search'
   */
  readonly instanceType?: string;
  /**
   * Data nodes; with two or more the domain spreads them over two zones.
   * @default 1
   */
  readonly dataNodes?: number;
  /**
   * gp3 volume per data node, GiB.
   * @default 10
   */
  readonly volumeGiB?: number;
  /**
   * Retention of the slow and application logs.
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The OpenSearch domain: in the VPC, encryption at rest, node-to-node encryption, HTTPS only with TLS 1.2,
 * slow/application logs to CloudWatch. Access is by IAM (SigV4): the domain policy admits the flow roles to
 * their index only, and bulk requests cannot name another index (`rest.action.multi.allow_explicit_index`).
 */
export class SearchDomain extends Construct {
  readonly domain: opensearch.IDomain;
  readonly domainName: string;
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: SearchDomainProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const dataNodes = props.dataNodes ?? 1;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const logGroup = (name: string) => new logs.LogGroup(this, name, { retention, removalPolicy });
    const slowSearch = logGroup('SlowSearchLogs');
    const slowIndex = logGroup('SlowIndexLogs');
    const app = logGroup('AppLogs');

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Sluice OpenSearch domain: HTTPS from the flows only',
      allowAllOutbound: false,
    });
    for (const client of props.clients) {
      securityGroup.addIngressRule(client, ec2.Port.tcp(443), 'HTTPS from Sluice flows');
    }

    const domain = new opensearch.Domain(this, 'Domain', {
      domainName: props.domainName,
      version: opensearch.EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes,
        dataNodeInstanceType: props.instanceType ?? 't3.medium.search',
        multiAzWithStandbyEnabled: false,
      },
      ebs: { volumeSize: props.volumeGiB ?? 10, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      zoneAwareness: dataNodes > 1 ? { enabled: true, availabilityZoneCount: 2 } : { enabled: false },
      vpc: props.vpc,
      vpcSubnets: [props.subnets],
      securityGroups: [securityGroup],
      encryptionAtRest: { enabled: true },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2,
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup: slowSearch,
        slowIndexLogEnabled: true,
        slowIndexLogGroup: slowIndex,
        appLogEnabled: true,
        appLogGroup: app,
      },
      // The writer posts to /<index>/_bulk; an action line naming an index of its own is refused.
      advancedOptions: { 'rest.action.multi.allow_explicit_index': 'false' },
      // The L2 writes the log resource policy with a custom-resource Lambda; a native one is below.
      suppressLogsResourcePolicy: true,
      removalPolicy,
    });
    new logs.ResourcePolicy(this, 'LogsPolicy', {
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:PutLogEvents', 'logs:CreateLogStream'],
          resources: [slowSearch.logGroupArn, slowIndex.logGroupArn, app.logGroupArn],
        }),
      ],
    });
    // Set on the L1: the L2's `accessPolicies` installs a custom-resource Lambda to call UpdateDomainConfig.
    // Only the flow roles, only the calls the writer makes on its own index. The roles are named by a condition
    // on the caller's ARN: as principals they would have to exist when this stack deploys, before the flows.
    const cfn = domain.node.defaultChild as opensearch.CfnDomain;
    const stack = Stack.of(this);
    // Built from the name: the domain's own ARN attribute would make the resource depend on itself.
    const domainPath = stack.formatArn({
      service: 'es',
      resource: 'domain',
      resourceName: props.domainName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    cfn.accessPolicies = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:${stack.partition}:iam::${stack.account}:root` },
          Action: ['es:ESHttpHead', 'es:ESHttpPut', 'es:ESHttpPost'],
          Resource: [`${domainPath}/${props.index}`, `${domainPath}/${props.index}/_bulk`],
          Condition: { ArnEquals: { 'aws:PrincipalArn': [...props.clientRoles] } },
        },
      ],
    };
    Validations.of(domain).acknowledge({
      id: 'AwsSolutions-OS3',
      reason:
        'The domain is VPC-only (no public endpoint) behind a security group open to the flows alone; IAM (SigV4) authorises each call.',
    });
    Validations.of(domain).acknowledge({
      id: 'AwsSolutions-OS4',
      reason:
        'Dedicated master nodes triple the at-rest cost of a small ingest domain; raise sluice:search.dataNodes and add masters for production.',
    });
    if (dataNodes === 1) {
      Validations.of(domain).acknowledge({
        id: 'AwsSolutions-OS7',
        reason:
          'One data node by default to keep the at-rest cost low; sluice:search.dataNodes >= 2 turns zone awareness on.',
      });
    }
    this.domain = domain;
    this.domainName = props.domainName;
    this.endpoint = `https://${domain.domainEndpoint}`;
  }
}
