import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  paginateScan,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Kafka } from 'kafkajs';
import { failureDestinationOf } from '../../shared/topology/on-failure.ts';
import type { Topology } from '../../shared/topology/topology.ts';
import { localFailedBatchesBucket } from '../esm/failed-batches.ts';
import { localAwsConfig } from '../services/aws-local.ts';
import { projectRoot } from '../services/paths.ts';
import type { LocalState } from '../services/state.ts';
import { provisionMessaging } from './messaging.ts';

export interface Provisioned {
  readonly topics: number;
  readonly tables: number;
  readonly seeded: Record<string, number>;
  /** SQS queues, SNS topics and EventBridge buses created on moto. */
  readonly messaging: number;
}

/**
 * Creates what the topology declares (idempotently), as the CDK app creates it in AWS, and seeds each table
 * from `<eventsDir>/seeds/<table>.json` when there is one.
 */
export const provision = async (
  topology: Topology,
  state: LocalState,
  kafka: Kafka,
  eventsDir = join(projectRoot, 'events'),
): Promise<Provisioned> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topology.topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          ...(t.maxMessageBytes === undefined
            ? {}
            : { configEntries: [{ name: 'max.message.bytes', value: String(t.maxMessageBytes) }] }),
        })),
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }

  const dynamodb = new DynamoDBClient(localAwsConfig(state.dynamodb?.endpoint ?? ''));
  const seeded: Record<string, number> = {};
  try {
    for (const table of topology.tables) {
      const keys = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
      try {
        await dynamodb.send(
          new CreateTableCommand({
            TableName: table.name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: keys.map((k) => ({
              AttributeName: k.name,
              AttributeType: k.type === 'number' ? 'N' : 'S',
            })),
            KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          }),
        );
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      // A new table is CREATING for a moment (dynalite too, under load): writes before ACTIVE are refused.
      await waitUntilTableExists(
        { client: dynamodb, maxWaitTime: 60, minDelay: 1 },
        { TableName: table.name },
      );
      const seedFile = join(eventsDir, 'seeds', `${table.name}.json`);
      if (existsSync(seedFile)) seeded[table.name] = await seedTable(dynamodb, table.name, seedFile);
    }
  } finally {
    dynamodb.destroy();
  }

  // The lake, and where the mappings put failed batches (as the CDK app's data stack creates them).
  const buckets = new Set([...(topology.bucket ? [topology.bucket.name] : []), ...failureBuckets(topology)]);
  const s3 = new S3Client({ ...localAwsConfig(state.s3?.endpoint ?? ''), forcePathStyle: true });
  try {
    for (const bucket of buckets) {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
      }
    }
  } finally {
    s3.destroy();
  }
  const messaging = await provisionMessaging(topology, state);
  return { topics: topology.topics.length, tables: topology.tables.length, seeded, messaging };
};

/**
 * Empties the tables stateful steps keep their windows in (scan, then delete 25 at a time): a run that publishes
 * the samples starts from the state a new deployment has. Their event times are fixed, so windows (and stream
 * time) left by an earlier run would close every hour at once and dead-letter the samples as late. `--resume`
 * keeps the state: it continues a run.
 */
export const emptyStateTables = async (topology: Topology, state: LocalState): Promise<number> => {
  const tables = new Map(
    topology.flows.flatMap((f) => f.steps.flatMap((s) => s.keepsStateIn ?? [])).map((t) => [t.name, t]),
  );
  const dynamodb = new DynamoDBClient(localAwsConfig(state.dynamodb?.endpoint ?? ''));
  let deleted = 0;
  try {
    for (const table of tables.values()) {
      const keyNames = [table.partitionKey.name, ...(table.sortKey ? [table.sortKey.name] : [])];
      for await (const page of paginateScan(
        { client: dynamodb },
        {
          TableName: table.name,
          ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k])),
        },
      )) {
        const keys = page.Items ?? [];
        for (let i = 0; i < keys.length; i += 25) {
          let request: BatchWriteItemCommand['input']['RequestItems'] = {
            [table.name]: keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })),
          };
          for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
            if (attempt > 8)
              throw new Error(`emptying ${table.name}: deletes still unprocessed after ${attempt} attempts`);
            const result: { UnprocessedItems?: typeof request } = await dynamodb.send(
              new BatchWriteItemCommand({ RequestItems: request }),
            );
            request = result.UnprocessedItems;
          }
        }
        deleted += keys.length;
      }
    }
  } finally {
    dynamodb.destroy();
  }
  return deleted;
};

/** Buckets the flows' on-failure destinations write to: the failed-batches bucket, or an S3 ARN's bucket. */
const failureBuckets = (topology: Topology): string[] =>
  topology.flows.flatMap((flow) => {
    const destination = failureDestinationOf(flow, topology);
    if (destination.kind === 'failed-batches') return [localFailedBatchesBucket];
    if (destination.kind === 'arn' && destination.arn.split(':')[2] === 's3')
      return [destination.arn.split(':')[5] ?? ''];
    return [];
  });

/** Reference data from <events>/seeds/<table>.json: a JSON array of items, written 25 at a time. */
const seedTable = async (client: DynamoDBClient, table: string, file: string): Promise<number> => {
  const items = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
  if (!Array.isArray(items)) throw new Error(`${file}: must be a JSON array of items`);
  for (let i = 0; i < items.length; i += 25) {
    let request: BatchWriteItemCommand['input']['RequestItems'] = {
      [table]: items
        .slice(i, i + 25)
        .map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })),
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 8) throw new Error(`seeding ${table}: items still unprocessed after ${attempt} attempts`);
      const result: { UnprocessedItems?: typeof request } = await client.send(
        new BatchWriteItemCommand({ RequestItems: request }),
      );
      request = result.UnprocessedItems;
    }
  }
  return items.length;
};
