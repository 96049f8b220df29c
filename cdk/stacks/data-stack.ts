import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { type MartTable, martTablesOf } from '../../shared/outputs/postgres-provision.ts';
import type { Topology } from '../../shared/topology/index.ts';
import { FailedBatchesBucket, failedBatchesBucketName } from '../constructs/failed-batches.ts';
import { flowRoleArn } from '../constructs/flow.ts';
import { LakeBucket } from '../constructs/lake-bucket.ts';
import { importedTarget, MartDatabase, type PostgresTarget } from '../constructs/mart-database.ts';
import { MessagingTargets } from '../constructs/messaging.ts';
import { ReferenceTables } from '../constructs/reference-tables.ts';
import { SearchDomain } from '../constructs/search-domain.ts';
import type { PostgresSettings } from '../context.ts';
import { expiringTablesOf } from '../topology.ts';

export interface DataStackProps extends StackProps {
  /** The runtime's validated topology. */
  readonly topology: Topology;
  /** The VPC, imported into (or referenced from) this stack. */
  readonly vpc: (scope: Construct) => ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /**
   * What `cdk destroy` does with tables, bucket and domain.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Name of the search domain, unique in the account and region.
   * @default 'sluice-search'
   */
  readonly searchDomainName?: string;
  /** @default 't3.medium.search' */
  readonly searchInstanceType?: string;
  /** @default 1 */
  readonly searchDataNodes?: number;
  /**
   * Physical name of the failed-batches bucket, unique in the account and region.
   * @default 'sluice-failed-batches-<account>-<region>'
   */
  readonly failedBatchesBucketName?: string;
  /**
   * Name of the flows stack, whose flow roles (`<stack>-<flow>`) the search domain's policy admits.
   * @default 'SluiceFlows'
   */
  readonly flowsStackName?: string;
  /**
   * An existing database (RDS Proxy) for `toPostgres` flows.
   * @default an Aurora PostgreSQL Serverless v2 cluster behind an RDS Proxy, created when a flow writes PostgreSQL
   */
  readonly postgres?: PostgresSettings;
  /**
   * The tables `toPostgres` flows write, with their DDL, created in the mart the stack creates.
   * @default the topology's tables without DDL (they must then exist: a created cluster has none)
   * @example martTables: martTablesWithDdl(topology, join(functionsDir, 'sql'))
   */
  readonly martTables?: readonly MartTable[];
}

/**
 * The stateful side: reference tables, the lake bucket, the search domain, the flows' security group and
 * the bucket for batches a mapping gives up on. Kept apart so the flows stack can be replaced freely.
 */
export class DataStack extends Stack {
  readonly tables: ReferenceTables;
  readonly lake?: LakeBucket;
  readonly search?: SearchDomain;
  /** Attached to every flow function (and the self-managed mapping's pollers). */
  readonly flowsSecurityGroup: ec2.ISecurityGroup;
  /** Where the mappings put the batches they give up on, records included. */
  readonly failedBatches: FailedBatchesBucket;
  /** Where `toPostgres` flows write, when any flow does. */
  readonly postgres?: PostgresTarget;
  readonly martDatabase?: MartDatabase;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const { topology } = props;
    const vpc = props.vpc(this);

    this.flowsSecurityGroup = new ec2.SecurityGroup(this, 'Flows', {
      vpc,
      description: 'Sluice flow functions and their event-source pollers',
      allowAllOutbound: true,
    });
    this.tables = new ReferenceTables(this, 'Tables', {
      tables: topology.tables,
      removalPolicy,
      timeToLive: expiringTablesOf(topology),
    });
    if (topology.bucket)
      this.lake = new LakeBucket(this, 'Lake', { bucketName: topology.bucket.name, removalPolicy });
    const searchFlows = topology.flows.filter((flow) => flow.outputs.some((o) => o.kind === 'opensearch'));
    // A domain only for flows that write it: its policy admits their roles and nothing else.
    if (topology.index && searchFlows.length > 0) {
      this.search = new SearchDomain(this, 'Search', {
        domainName: props.searchDomainName ?? 'sluice-search',
        vpc,
        // One subnet per data node zone: a single-node domain takes exactly one.
        subnets: {
          subnets: vpc
            .selectSubnets(props.subnets)
            .subnets.slice(0, (props.searchDataNodes ?? 1) > 1 ? 2 : 1),
        },
        clients: [this.flowsSecurityGroup],
        index: topology.index.name,
        clientRoles: searchFlows.map((flow) => flowRoleArn(props.flowsStackName ?? 'SluiceFlows', flow.name)),
        ...(props.searchInstanceType ? { instanceType: props.searchInstanceType } : {}),
        ...(props.searchDataNodes ? { dataNodes: props.searchDataNodes } : {}),
        removalPolicy,
      });
    }

    if (topology.flows.some((flow) => flow.outputs.some((o) => o.kind === 'postgres'))) {
      if (props.postgres) {
        this.postgres = importedTarget(props.postgres);
      } else {
        this.martDatabase = new MartDatabase(this, 'Mart', {
          vpc,
          subnets: props.subnets,
          clients: this.flowsSecurityGroup,
          removalPolicy,
          tables: props.martTables ?? martTablesOf(topology).map((table) => ({ table })),
        });
        this.postgres = this.martDatabase.target;
      }
    }
    new MessagingTargets(this, 'Messaging', { topology, removalPolicy });

    this.failedBatches = new FailedBatchesBucket(this, 'FailedBatches', {
      bucketName: props.failedBatchesBucketName ?? failedBatchesBucketName('sluice'),
      removalPolicy,
    });
  }
}
