import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { AttributeType, DeployTable } from '../model.ts';

export interface ReferenceTablesProps {
  readonly tables: readonly DeployTable[];
  /**
   * What `cdk destroy` does with the tables.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const attributeType = (type: AttributeType | undefined): dynamodb.AttributeType =>
  type === 'N'
    ? dynamodb.AttributeType.NUMBER
    : type === 'B'
      ? dynamodb.AttributeType.BINARY
      : dynamodb.AttributeType.STRING;

/**
 * The topology's reference tables: on-demand (a loader's bursts and idle nights both cost what they use),
 * point-in-time recovery, KMS encryption. Physical names are the topology's names, which the runtime uses.
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
          partitionKey: { name: table.partitionKey, type: attributeType(table.partitionKeyType) },
          ...(table.sortKey
            ? { sortKey: { name: table.sortKey, type: attributeType(table.sortKeyType) } }
            : {}),
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: dynamodb.TableEncryption.AWS_MANAGED,
          deletionProtection: (props.removalPolicy ?? RemovalPolicy.RETAIN) === RemovalPolicy.RETAIN,
          removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        }),
      );
    }
    this.byName = byName;
  }
}
