import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { RetriableError } from '../../../shared/errors.ts';
import { objectKey, planLakeObjects, timePartition } from '../../../shared/outputs/lake-objects.ts';
import { createLakeWriter } from '../../../shared/outputs/lake-writer.ts';
import { flowRecord, lakeOptions, offsets } from './records.ts';

const options = lakeOptions;
const lines = (body: Buffer) =>
  gunzipSync(body)
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('the S3 lake objects', () => {
  it('are keyed by topic, record-time partition, partition and 20-digit first offset', () => {
    expect(timePartition(Date.UTC(2025, 0, 2, 3, 4, 5))).toBe('dt=2025-01-02/hour=03');
    expect(objectKey('raw', 'reviews', 4, 'dt=2025-01-02/hour=03', 1234)).toBe(
      'raw/topic=reviews/dt=2025-01-02/hour=03/reviews-4-00000000000000001234.json.gz',
    );
    expect(objectKey('', 'reviews', 0, 'dt=2025-01-02/hour=03', 0)).toBe(
      'topic=reviews/dt=2025-01-02/hour=03/reviews-0-00000000000000000000.json.gz',
    );
  });

  it('hold one gzip NDJSON line per record, in offset order', () => {
    // Act
    const { objects } = planLakeObjects([flowRecord({ offset: 8 }), flowRecord({ offset: 7 })], options);
    // Assess
    expect(objects).toHaveLength(1);
    expect(lines(objects[0]?.body ?? Buffer.alloc(0)).map((l) => l.offset)).toEqual([7, 8]);
    expect(lines(objects[0]?.body ?? Buffer.alloc(0))[0]).toMatchObject({
      topic: 'reviews',
      partition: 0,
      key: 'k-7',
      value: { n: 7 },
    });
  });

  it('file records by their own time, never the wall clock', () => {
    // Prepare
    const early = flowRecord({ offset: 1, timestamp: Date.UTC(2024, 11, 31, 23, 59, 59) });
    const late = flowRecord({ offset: 2, timestamp: Date.UTC(2025, 0, 1, 0, 0, 0) });
    // Act
    const { objects } = planLakeObjects([early, late], options);
    // Assess
    expect(objects.map((o) => o.key)).toEqual([
      'raw/topic=reviews/dt=2024-12-31/hour=23/reviews-0-00000000000000000001.json.gz',
      'raw/topic=reviews/dt=2025-01-01/hour=00/reviews-0-00000000000000000002.json.gz',
    ]);
  });

  it('can file records by a declared time field, and dead-letter a record without one', () => {
    // Prepare
    const timed = flowRecord({ offset: 1, value: { at: { time: '2023-06-07T08:09:10Z' } } });
    const untimed = flowRecord({ offset: 2, value: { at: {} } });
    // Act
    const { objects, deadLetters } = planLakeObjects([timed, untimed], { ...options, timeField: 'at.time' });
    // Assess
    expect(objects.map((o) => o.key)).toEqual([
      'raw/topic=reviews/dt=2023-06-07/hour=08/reviews-0-00000000000000000001.json.gz',
    ]);
    expect(deadLetters.map((d) => d.record)).toEqual([untimed]);
    expect(deadLetters[0]?.error.message).toContain('at.time');
  });

  it('are byte-identical when the same batch is written again', () => {
    const first = planLakeObjects(offsets(100, 50), options).objects;
    const again = planLakeObjects(offsets(100, 50), options).objects;
    expect(again.map((o) => [o.key, o.body.toString('hex')])).toEqual(
      first.map((o) => [o.key, o.body.toString('hex')]),
    );
    expect(first[0]?.body.subarray(4, 8)).toEqual(Buffer.alloc(4)); // no mtime in the gzip header
  });

  it('split at the maximum size at the same offsets for a batch and any superset from its first offset', () => {
    // Prepare
    const small = { ...options, maxObjectBytes: 2048 };
    // Act
    const batch = planLakeObjects(offsets(0, 40), small).objects;
    const superset = planLakeObjects(offsets(0, 60), small).objects;
    // Assess
    expect(batch.length).toBeGreaterThan(2);
    for (const object of batch.slice(0, -1)) {
      const same = superset.find((o) => o.key === object.key);
      expect(same?.body.equals(object.body)).toBe(true);
      expect(gunzipSync(object.body).length).toBeLessThanOrEqual(2048);
    }
    const lastKey = batch.at(-1)?.key;
    const lastInSuperset = superset.find((o) => o.key === lastKey);
    expect(lastInSuperset?.records.length).toBeGreaterThanOrEqual(batch.at(-1)?.records.length ?? 0);
    expect(superset.flatMap((o) => o.records.map((r) => r.source.offset))).toEqual([...Array(60).keys()]);
  });

  it('keep tombstones as null values unless told to skip them', () => {
    const tombstone = flowRecord({ offset: 3, value: null });
    const kept = planLakeObjects([tombstone], options).objects;
    expect(lines(kept[0]?.body ?? Buffer.alloc(0))[0].value).toBeNull();
    expect(planLakeObjects([tombstone], { ...options, tombstones: 'skip' }).objects).toEqual([]);
  });

  it('write bytes values as base64 text', () => {
    const { objects } = planLakeObjects([flowRecord({ value: Buffer.from([1, 2, 3]) })], options);
    expect(lines(objects[0]?.body ?? Buffer.alloc(0))[0].value).toBe('AQID');
  });
});

describe('the S3 lake writer', () => {
  it('puts each object with its content type and encoding', async () => {
    // Prepare
    const send = vi.fn(async (_command: { input: Record<string, unknown> }) => ({}));
    const writer = createLakeWriter({
      ...options,
      bucket: 'lake',
      client: () => ({ send }) as never,
      concurrency: 4,
    });
    // Act
    const result = await writer.write(offsets(0, 3), { flowName: 'f' });
    // Assess
    expect(result).toEqual({ written: 3, deadLetters: [] });
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]?.[0].input).toMatchObject({
      Bucket: 'lake',
      Key: 'raw/topic=reviews/dt=2025-01-02/hour=03/reviews-0-00000000000000000000.json.gz',
      ContentType: 'application/x-ndjson',
      ContentEncoding: 'gzip',
    });
  });

  it('fails the batch with a retriable error when a put fails', async () => {
    const send = vi.fn(async () => {
      throw Object.assign(new Error('Service Unavailable'), { name: 'SlowDown' });
    });
    const writer = createLakeWriter({
      ...options,
      bucket: 'lake',
      client: () => ({ send }) as never,
      concurrency: 4,
    });
    await expect(writer.write(offsets(0, 3), { flowName: 'f' })).rejects.toBeInstanceOf(RetriableError);
  });
});
