import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { flow as productRatings } from '../../../functions/product-ratings.ts';
import { tables, topics } from '../../../functions/resources.ts';
import { handlerFor } from '../../../shared/handler/handler-for.ts';
import { EventBuilder } from '../../../shared/testing/kafka-event.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { runCli } from '../../support/cli.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';

const localAws = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const context = {
  functionName: 'product-ratings',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const nine = Date.UTC(2026, 10, 20, 9);
const product = uniqueName('p-query');
let run: { code: number | null; output: string };
let json: { code: number | null; output: string };

/**
 * `npm run query` on windows product-ratings' own step wrote into the local DynamoDB (dynalite): the real
 * aggregation, its outputs kept in memory (this test is about the table, not Kafka).
 */
describe('npm run query -- product-ratings <productId>', () => {
  beforeAll(async () => {
    // Prepare: the state table as npm start creates it, and three reviews of one product over two hours, the
    // last one closing the first hour.
    const client = new DynamoDBClient(localAws(endpoints().dynamodb.endpoint));
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tables.productStats.name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    // CreateTable answers while the table may still be CREATING: a loaded dynalite refuses writes until ACTIVE.
    await waitUntilTableExists(
      { client, maxWaitTime: 30, minDelay: 1 },
      { TableName: tables.productStats.name },
    );
    const emitted = memoryTopic(topics.reviewsProductStats);
    const flow = defineFlow({
      name: 'product-ratings',
      source: { topic: topics.reviewsByProduct },
      steps: [...productRatings.steps],
      outputs: [emitted],
      deadLetter: memoryTopic(topics.ratingsDeadLetters),
    });
    const handler = handlerFor(flow, {
      ports: { dynamodb: client },
      logger: new Logger({ serviceName: 'query-test', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'SluiceTest', serviceName: 'query-test' }),
    });
    const review = (rating: number, at: number) => ({
      key: product,
      value: { reviewId: uniqueName('r'), productId: product, rating, createdAt: new Date(at).toISOString() },
      timestamp: at,
    });
    const events = new EventBuilder(topics.reviewsByProduct.name, nine);
    // A partition of its own: other tests' stream time on partition 0 must not close these hours.
    const partition = 1000 + Math.floor(Math.random() * 1000);
    await handler(
      events.event(
        [review(5, nine + 60_000), review(2, nine + 120_000), review(4, nine + 90 * 60_000)].map((r) => ({
          ...r,
          partition,
        })),
      ),
      context,
    );
    client.destroy();
    expect(emitted.output.records).toHaveLength(1);

    // Act
    run = await runCli('local/tools/query.ts', ['product-ratings', product]);
    json = await runCli('local/tools/query.ts', ['product-ratings', product, '--json']);
  }, 120_000);

  it("prints the product's hours oldest first: the closed one final, the open one so far", () => {
    // Assess
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(
      `product-ratings · ratings-per-hour · ${product} (table product-stats, local DynamoDB`,
    );
    expect(run.output).toContain('2 windows');
    const lines = run.output.split('\n').filter((l) => l.startsWith('  2026-11-20T'));
    expect(lines).toEqual([
      '  2026-11-20T09:00Z – 2026-11-20T10:00Z  {"count":2,"ratingSum":7,"averageRating":3.5}',
      '  2026-11-20T10:00Z – 2026-11-20T11:00Z  {"count":1,"ratingSum":4,"averageRating":4}',
    ]);
  });

  it('prints the same windows as one JSON line with --json', () => {
    // Assess
    expect(json.code, json.output).toBe(0);
    const line = json.output.split('\n').find((l) => l.startsWith('{'));
    expect(JSON.parse(line ?? '{}')).toEqual({
      flow: 'product-ratings',
      aggregation: 'ratings-per-hour',
      key: product,
      windows: [
        {
          key: product,
          windowStart: nine,
          windowEnd: nine + 3_600_000,
          value: { count: 2, ratingSum: 7, averageRating: 3.5 },
        },
        {
          key: product,
          windowStart: nine + 3_600_000,
          windowEnd: nine + 7_200_000,
          value: { count: 1, ratingSum: 4, averageRating: 4 },
        },
      ],
    });
  });
});
