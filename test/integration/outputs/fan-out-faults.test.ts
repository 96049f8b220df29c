import {
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetriableError } from '../../../shared/errors.ts';
import { writeAll } from '../../../shared/outputs/fan-out.ts';
import { toOpenSearch } from '../../../shared/outputs/opensearch.ts';
import { toS3 } from '../../../shared/outputs/s3.ts';
import { toTable } from '../../../shared/outputs/table.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { startService, statusOf, stopService } from '../../support/servers.ts';
import { offsets } from '../../unit/outputs/records.ts';
import { bounce, deliver, useLocalServers } from './support.ts';

useLocalServers();
const local = endpoints();
const s3 = new S3Client({ ...localAws(local.s3.endpoint), forcePathStyle: true });
const dynamodb = new DynamoDBClient(localAws(local.dynamodb.endpoint));
const search = new Client({ node: local.opensearch.endpoint });
const bucket = uniqueName('fanout');
const table = uniqueName('fanout');
const index = uniqueName('fanout');

const objects = async (prefix: string): Promise<Map<string, string>> => {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
  const out = new Map<string, string>();
  for (const { Key } of listed.Contents ?? []) {
    if (!Key) continue;
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))
    ).Body?.transformToByteArray();
    out.set(Key.slice(prefix.length + 1), Buffer.from(body ?? []).toString('base64'));
  }
  return out;
};

describe('fan-out to the lake, the index and a table when OpenSearch stops mid-run', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    // CreateTable answers while the table may still be CREATING: a loaded dynalite refuses writes until ACTIVE.
    await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30, minDelay: 1 }, { TableName: table });
  });
  afterAll(async () => {
    if (!(await statusOf('opensearch')).healthy) await startService('opensearch');
    s3.destroy();
    dynamodb.destroy();
    await search.close();
  });

  it('fails the batch retriably while OpenSearch is down, then every output ends exactly as after one clean run', async () => {
    // Prepare
    const outputs = [
      toS3({ bucket, prefix: 'run', maxObjectBytes: 4096 }).create(),
      toOpenSearch({
        index,
        mappings: { properties: { n: { type: 'integer' } } },
        retryBudgetMs: 2_000,
      }).create(),
      toTable(table, {
        key: { partition: 'id' },
        item: (r) => ({ id: r.key, ...(r.value as object) }),
      }).create(),
    ];
    const batches: FlowRecord[][] = Array.from({ length: 5 }, (_, b) =>
      offsets(b * 40, 40, { topic: 'events', partition: 0 }),
    );
    // Act: OpenSearch stops after the second batch and comes back a few seconds later
    let restarted: Promise<unknown> = Promise.resolve();
    const delivery = await deliver(
      batches,
      (records) =>
        writeAll(outputs, records, { flowName: 'fan' }).then(() => ({
          written: records.length,
          deadLetters: [],
        })),
      {
        retryEveryMs: 1_000,
        between: async (i) => {
          if (i !== 1) return;
          // Awaited until stopped, so the next batch surely meets a stopped server.
          await stopService('opensearch');
          restarted = bounce('opensearch', 3_000);
        },
      },
    );
    await restarted;
    // a clean run of the same batches, each written once, for the lake
    const reference = toS3({ bucket, prefix: 'reference', maxObjectBytes: 4096 }).create();
    for (const batch of batches) await reference.write(batch, { flowName: 'fan' });
    // Assess
    expect(delivery.failures.length).toBeGreaterThan(0);
    expect(delivery.failures.every((f) => f instanceof RetriableError && /opensearch/.test(f.message))).toBe(
      true,
    );
    expect(delivery.attempts[2]).toBeGreaterThan(1);

    await search.indices.refresh({ index });
    const hits = await search.search({ index, body: { size: 1000, query: { match_all: {} } } });
    const ids = hits.body.hits.hits.map((h) => h._id).sort();
    expect(ids).toEqual([...Array(200).keys()].map((o) => `events-0-${o}`).sort());
    expect(
      hits.body.hits.hits.every((h) => (h._source as { n: number }).n === Number(h._id?.split('-')[2])),
    ).toBe(true);

    expect(await objects('run')).toEqual(await objects('reference'));

    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
    expect(Items.map((i) => unmarshall(i).id).sort()).toEqual(
      [...Array(200).keys()].map((o) => `k-${o}`).sort(),
    );
  }, 240_000);
});
