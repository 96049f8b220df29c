import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { flowStatements } from '../../../cdk/constructs/flow-grants.ts';
import { ReferenceTables } from '../../../cdk/constructs/reference-tables.ts';
import { expiringTablesOf } from '../../../cdk/topology.ts';
import { aggregate } from '../../../shared/stateful/aggregate.ts';
import { avg } from '../../../shared/stateful/aggregate-reduce.ts';
import { join } from '../../../shared/stateful/join.ts';
import { tumbling } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTables, defineTopics } from '../../../shared/topology/resources.ts';
import { defineTopology } from '../../../shared/topology/topology.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  reviews: { name: 'reviews.clean', format: 'json', partitions: 2, keyedBy: 'productId' },
  stats: { name: 'reviews.product-stats', format: 'json', partitions: 2, internal: true },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1, internal: true },
});
const tables = defineTables({
  stats: { name: 'product-stats', partitionKey: 'pk', sortKey: 'sk' },
  customers: { name: 'customers', partitionKey: 'customerId' },
});
const flow = defineFlow({
  name: 'product-ratings',
  source: { topic: topics.reviews },
  steps: [
    aggregate({
      name: 'ratings',
      state: tables.stats,
      key: 'productId',
      window: tumbling('1h'),
      grace: '10m',
      reduce: avg('rating'),
    }),
  ],
  outputs: [memoryTopic(topics.stats)],
  deadLetter: memoryTopic(topics.dead),
});
const topology = defineTopology({ topics, tables, flows: [flow] });

describe('the CDK app and a flow that keeps state', () => {
  it("grants reads and writes on the state table, limited to the step's own items", () => {
    // Prepare
    const stack = new Stack(new App(), 'Flows', { env: { account: '123456789012', region: 'eu-west-1' } });
    // Act
    const statements = flowStatements(
      stack,
      flow,
      { kind: 'failed-batches' },
      {
        kafka: { kind: 'self-managed', bootstrapServers: 'kafka:9096' },
        tables: ['product-stats', 'customers'],
        failedBatchesBucket: 'failed',
      },
    ).map((s) => stack.resolve(s.toStatementJson()));
    // Assess
    const state = statements.filter((s) => JSON.stringify(s.Resource).includes('table/product-stats'));
    expect(state).toEqual([
      {
        Sid: 'State0productratings',
        Effect: 'Allow',
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
        ],
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:eu-west-1:123456789012:table/product-stats'],
          ],
        },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['w|ratings|*', 'o|ratings|*', 'm|ratings'] },
        },
      },
    ]);
    expect(JSON.stringify(statements)).not.toContain('table/customers');
  });

  it('creates the state table on demand, with point-in-time recovery and TTL on the windows’ expiry', () => {
    // Prepare
    const stack = new Stack(new App(), 'Data');
    // Act
    new ReferenceTables(stack, 'Tables', { tables: topology.tables, timeToLive: expiringTablesOf(topology) });
    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'product-stats',
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: '_sluice_expires', Enabled: true },
    });
  }, 60_000);

  it("grants a join side its state items by the join's name, with the item reads and updates a join makes", () => {
    // Prepare
    const stack = new Stack(new App(), 'Flows', { env: { account: '123456789012', region: 'eu-west-1' } });
    const joinSide = defineFlow({
      name: 'verified-reviews',
      source: { topic: topics.reviews },
      steps: [
        join({
          name: 'verified',
          state: tables.stats,
          side: 'left',
          other: topics.stats,
          within: { before: '30d', after: 0 },
          grace: '1h',
        }),
      ],
      outputs: [memoryTopic(topics.stats)],
      deadLetter: memoryTopic(topics.dead),
    });
    // Act
    const statements = flowStatements(
      stack,
      joinSide,
      { kind: 'failed-batches' },
      {
        kafka: { kind: 'self-managed', bootstrapServers: 'kafka:9096' },
        tables: ['product-stats', 'customers'],
        failedBatchesBucket: 'failed',
      },
    ).map((s) => stack.resolve(s.toStatementJson()));
    // Assess
    const [state] = statements.filter((s) => JSON.stringify(s.Resource).includes('table/product-stats'));
    expect(state.Action).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query']),
    );
    expect(state.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['verified#*'] },
    });
  });
});
