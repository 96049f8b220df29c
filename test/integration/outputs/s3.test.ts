import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReplayMarks } from '../../../shared/outputs/replay-marks-codec.ts';
import { toS3 } from '../../../shared/outputs/s3.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { offsets } from '../../unit/outputs/records.ts';
import { useLocalServers } from './support.ts';

useLocalServers();
const s3 = new S3Client({ ...localAws(endpoints().s3.endpoint), forcePathStyle: true });
const bucket = uniqueName('lake');

/** Every data object under a prefix (replay marks under `_sluice/` left out): key (relative) → bytes. */
const snapshot = async (prefix: string): Promise<Map<string, Buffer>> => {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
  const objects = new Map<string, Buffer>();
  for (const { Key } of listed.Contents ?? []) {
    if (!Key || Key.startsWith(`${prefix}/_sluice/`)) continue;
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))
    ).Body?.transformToByteArray();
    objects.set(Key.slice(prefix.length + 1), Buffer.from(body ?? []));
  }
  return objects;
};

/** Writes without replay marks: what the keys alone make of a replay (as when marks could not be saved). */
const write = (prefix: string, records: readonly FlowRecord[], maxObjectBytes = 4096) =>
  toS3({ bucket, prefix, maxObjectBytes, dropReplays: false }).create().write(records, { flowName: 'lake' });

/** Offsets of every line in the data objects under a prefix, sorted. */
const lakeOffsets = async (prefix: string): Promise<number[]> =>
  [...(await snapshot(prefix)).values()]
    .flatMap((body) => gunzipSync(body).toString().trimEnd().split('\n'))
    .map((line) => JSON.parse(line).value.origin as number)
    .sort((a, b) => a - b);

/** reviews.enriched/0 records carrying lineage from reviews.raw/2 via reviews.clean/0 (a copy has the same bytes). */
const enriched = (firstOffset: number, origins: readonly number[]): FlowRecord[] =>
  origins.map(
    (origin, i) =>
      offsets(firstOffset + i, 1, {
        topic: 'reviews.enriched',
        partition: 0,
        key: `r-${origin}`,
        value: { origin },
        headers: { 'sluice.path': 'reviews.raw/2>reviews.clean/0', 'sluice.origin.offset': String(origin) },
      })[0] as FlowRecord,
  );

// Records spread over two hours of record time, so objects land in two time partitions.
const batch = (from: number, count: number) =>
  offsets(from, count, { topic: 'reviews', partition: 1 }).map((r) => ({
    ...r,
    source: { ...r.source, timestamp: Date.UTC(2025, 4, 6, 7, 59, 0) + r.source.offset * 1_000 },
  }));

describe('the S3 lake output on an S3-compatible server', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(() => s3.destroy());

  it('writes gzip NDJSON objects under topic and record-time partitions, with content type and encoding', async () => {
    // Act
    const result = await write('plain', batch(0, 100));
    const objects = await snapshot('plain');
    // Assess
    expect(result.written).toBe(100);
    const keys = [...objects.keys()];
    expect(
      keys.some((k) => k.startsWith('topic=reviews/dt=2025-05-06/hour=07/reviews-1-00000000000000000000')),
    ).toBe(true);
    expect(
      keys.some((k) => k.startsWith('topic=reviews/dt=2025-05-06/hour=08/reviews-1-00000000000000000060')),
    ).toBe(true);
    const lines = [...objects.values()].flatMap((body) => gunzipSync(body).toString().trimEnd().split('\n'));
    expect(lines.map((l) => JSON.parse(l).offset).sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `plain/${keys[0]}` }));
    expect(head.ContentType).toBe('application/x-ndjson');
    expect(head.ContentEncoding).toBe('gzip');
  });

  it('writes Parquet objects when asked, replay-safe in the same way', async () => {
    // Act
    const parquet = toS3({
      bucket,
      prefix: 'parquet',
      format: 'parquet',
      maxObjectBytes: 4096,
      dropReplays: false,
    }).create();
    await parquet.write(batch(0, 100), { flowName: 'lake' });
    const first = await snapshot('parquet');
    await parquet.write(batch(0, 100), { flowName: 'lake' });
    const again = await snapshot('parquet');
    // Assess
    expect([...first.keys()].every((k) => k.endsWith('.parquet'))).toBe(true);
    expect(again).toEqual(first);
    const [key, body] = [...first.entries()][0] ?? ['', Buffer.alloc(0)];
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `parquet/${key}` }));
    expect(head.ContentType).toBe('application/vnd.apache.parquet');
    const rows = await parquetReadObjects({ file: new Uint8Array(body).buffer });
    expect(rows[0]).toMatchObject({ topic: 'reviews', partition: 1, offset: 0n, value: { n: 0 } });
  });

  it('leaves the same objects, byte for byte, when a batch is written twice or a superset is written from its first offset', async () => {
    // Prepare: the reference is a single run of the superset
    await write('single', batch(0, 150));
    // Act
    await write('replayed', batch(0, 100));
    await write('replayed', batch(0, 100));
    await write('replayed', batch(0, 150));
    // Assess
    const single = await snapshot('single');
    const replayed = await snapshot('replayed');
    expect([...replayed.keys()].sort()).toEqual([...single.keys()].sort());
    for (const [key, body] of single) expect(replayed.get(key)?.equals(body), key).toBe(true);
  });

  it('holds every record once when an upstream flow replayed a batch at new offsets', async () => {
    // Prepare: the sink as deployed (replay marks on, its source internal); enrich produced origins 0..49,
    // crashed before committing, and produced 30..49 again at offsets 50..69 before going on with 50..79.
    const lake = toS3({ bucket, prefix: 'guarded', maxObjectBytes: 4096 }).create();
    const context = { flowName: 'lake-sink', trustsLineage: true };
    const origins = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    // Act
    const first = await lake.write(enriched(0, origins(0, 50)), context);
    const second = await lake.write(enriched(50, [...origins(30, 50), ...origins(50, 80)]), context);
    // Assess
    expect(first).toMatchObject({ written: 50, replayed: 0 });
    expect(second).toMatchObject({ written: 30, replayed: 20 });
    expect(await lakeOffsets('guarded')).toEqual(origins(0, 80));
    const marks = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'guarded/_sluice/replay-marks/lake-sink/reviews.enriched-0.bin',
      }),
    );
    const remembered = decodeReplayMarks((await marks.Body?.transformToByteArray()) ?? new Uint8Array());
    expect(remembered.map((m) => [m.path, m.origin])).toEqual(
      origins(0, 80).map((o) => ['reviews.raw/2>reviews.clean/0>reviews.enriched/0', o]),
    );
  });

  it('reads no marks for a partition it has not written yet (404 from the S3 server)', async () => {
    // Prepare
    const lake = toS3({ bucket, prefix: 'fresh' }).create();
    // Act
    const result = await lake.write(enriched(0, [0, 1]), { flowName: 'lake-sink', trustsLineage: true });
    // Assess
    expect(result).toMatchObject({ written: 2, replayed: 0 });
  });
});
