import { gunzipSync } from 'node:zlib';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Admin } from 'kafkajs';
import { isReplayMarksKey } from '../../shared/outputs/lake-replay-marks.ts';
import { localAwsConfig } from '../services/aws-local.ts';
import type { LocalState } from '../services/state.ts';

export type TopicEnds = Map<string, number>;

/** Records in each topic so far (sum of partition high watermarks): a run's output is the difference. */
export const topicEnds = async (admin: Admin, topics: readonly string[]): Promise<TopicEnds> => {
  const ends = new Map<string, number>();
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends.set(
      topic,
      offsets.reduce((sum, p) => sum + Number(p.high), 0),
    );
  }
  return ends;
};

export interface LakeContents {
  readonly keys: string[];
  readonly records: number;
  readonly ids: Set<string>;
  /** How many lines each review id has: more than one is a duplicate. */
  readonly copies: Map<string, number>;
}

/** Every data object's key under a prefix, page by page; replay marks (shared/outputs) are not data. */
async function* lakeObjectKeys(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? [])
      if (object.Key && !isReplayMarksKey(object.Key)) yield object.Key;
    token = page.NextContinuationToken;
  } while (token);
}

const localS3 = (state: LocalState) =>
  new S3Client({ ...localAwsConfig(state.s3?.endpoint ?? ''), forcePathStyle: true });

/** Every lake object under a prefix, read back and counted, so the report states what really landed. */
export const readLake = async (
  state: LocalState,
  bucket: string,
  prefix: string,
  since?: Set<string>,
): Promise<LakeContents> => {
  const s3 = localS3(state);
  const keys: string[] = [];
  let records = 0;
  const ids = new Set<string>();
  const copies = new Map<string, number>();
  try {
    for await (const key of lakeObjectKeys(s3, bucket, prefix)) {
      if (since?.has(key)) continue;
      keys.push(key);
      // Parquet objects hold rows, not lines: readLakeRows reads them.
      if (key.endsWith('.parquet')) continue;
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from((await body.Body?.transformToByteArray()) ?? []);
      const text = (
        body.ContentEncoding === 'gzip' || key.endsWith('.gz') ? gunzipSync(bytes) : bytes
      ).toString('utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        records++;
        const parsed = JSON.parse(line) as { reviewId?: string; value?: { reviewId?: string } };
        const id = parsed.value?.reviewId ?? parsed.reviewId;
        if (id) {
          ids.add(id);
          copies.set(id, (copies.get(id) ?? 0) + 1);
        }
      }
    }
  } finally {
    s3.destroy();
  }
  return { keys, records, ids, copies };
};

/** A Parquet cell as plain JSON: timestamps as epoch ms, INT64 as numbers, JSON columns parsed. */
const plainCell = (cell: unknown): unknown => {
  if (cell instanceof Date) return cell.getTime();
  if (typeof cell === 'bigint') return Number(cell);
  if (typeof cell === 'string' && (cell.startsWith('{') || cell.startsWith('['))) {
    try {
      return JSON.parse(cell);
    } catch {
      return cell;
    }
  }
  return cell;
};

/** Every row of the Parquet lake objects under a prefix (objects in `since` left out), as plain JSON. */
export const readLakeRows = async (
  state: LocalState,
  bucket: string,
  prefix: string,
  since?: Set<string>,
): Promise<{ keys: string[]; rows: Record<string, unknown>[] }> => {
  const { parquetReadObjects } = await import('hyparquet');
  const s3 = localS3(state);
  const keys: string[] = [];
  const rows: Record<string, unknown>[] = [];
  try {
    for await (const key of lakeObjectKeys(s3, bucket, prefix)) {
      if (since?.has(key) || !key.endsWith('.parquet')) continue;
      keys.push(key);
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = (await body.Body?.transformToByteArray()) ?? new Uint8Array();
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      for (const row of await parquetReadObjects({ file }))
        rows.push(Object.fromEntries(Object.entries(row).map(([name, cell]) => [name, plainCell(cell)])));
    }
  } finally {
    s3.destroy();
  }
  return { keys, rows };
};

/** Lines in the lake for exactly these review ids: each once means nothing lost and nothing doubled. */
export const lakeCopiesOf = (
  lake: LakeContents,
  wanted: ReadonlySet<string>,
): { found: number; lines: number } => {
  let found = 0;
  let lines = 0;
  for (const id of wanted) {
    const n = lake.copies.get(id) ?? 0;
    if (n > 0) found++;
    lines += n;
  }
  return { found, lines };
};

/** The data keys under a prefix, listed (not read): what was there before a run. */
export const lakeKeys = async (state: LocalState, bucket: string, prefix: string): Promise<Set<string>> => {
  const s3 = localS3(state);
  const keys = new Set<string>();
  try {
    for await (const key of lakeObjectKeys(s3, bucket, prefix)) keys.add(key);
  } finally {
    s3.destroy();
  }
  return keys;
};

/** Documents in the index, or only those with the given ids (documents are keyed by review id). */
export const indexCount = async (
  state: LocalState,
  index: string,
  ids?: ReadonlySet<string>,
): Promise<number> => {
  const endpoint = state.opensearch?.endpoint ?? '';
  await fetch(`${endpoint}/${index}/_refresh`, { method: 'POST' });
  const response = await fetch(`${endpoint}/${index}/_count`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ids ? { query: { ids: { values: [...ids] } } } : { query: { match_all: {} } }),
  });
  if (response.status === 404) return 0;
  return ((await response.json()) as { count: number }).count;
};

/** Rows in a table: the markers a change stream's deletes leave (`_sluice_deleted`) are not rows. */
export const tableCount = async (state: LocalState, table: string): Promise<number> => {
  const client = new DynamoDBClient(localAwsConfig(state.dynamodb?.endpoint ?? ''));
  try {
    let count = 0;
    let start: Record<string, never> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: table,
          Select: 'COUNT',
          ExclusiveStartKey: start,
          FilterExpression: 'attribute_not_exists(#deleted)',
          ExpressionAttributeNames: { '#deleted': '_sluice_deleted' },
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return count;
  } finally {
    client.destroy();
  }
};
