import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { type KeyAttribute, KeyType, type TableRef } from '../../shared/topology/index.ts';

export interface ReferenceTablesProps {
  /** The topology's tables. */
  readonly tables: readonly TableRef[];
  /**
   * What `cdk destroy` does with the tables.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Table name -> the attribute DynamoDB's TTL reads (epoch seconds): tables whose items expire.
   * @default none (no table has TTL)
   * @example new Map([['customers', '_sluice_expires']])
   */
  readonly timeToLive?: ReadonlyMap<string, string>;
}

const keyOf = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === KeyType.Number ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
});

/**
 * The topology's reference tables: on-demand (a loader's bursts and idle nights both cost what they use),
 * point-in-time recovery, KMS encryption, TTL where a change stream's delete markers expire. Physical names are
 * the topology's names, which the runtime uses.
 */
export class ReferenceTables extends Construct {
  readonly byName: ReadonlyMap<string, dynamodb.ITable>;

  constructor(scope: Construct, id: string, props: ReferenceTablesProps) {
    super(scope, id);
    const byName = new Map<string, dynamodb.ITable>();
    for (const table of props.tables) {
      byName.set(
        table.name,
        new dynamodb.Table(this, table.name, {
          tableName: table.name,
          partitionKey: keyOf(table.partitionKey),
          ...(table.sortKey ? { sortKey: keyOf(table.sortKey) } : {}),
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: dynamodb.TableEncryption.AWS_MANAGED,
          deletionProtection: (props.removalPolicy ?? RemovalPolicy.RETAIN) === RemovalPolicy.RETAIN,
          removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
          ...(props.timeToLive?.has(table.name)
            ? { timeToLiveAttribute: props.timeToLive.get(table.name) }
            : {}),
        }),
      );
    }
    this.byName = byName;
  }
}
