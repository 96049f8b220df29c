import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { envelopeLine, planLakeObjects } from '../../../shared/outputs/lake-objects.ts';
import { envelopeColumns, parquetFormat } from '../../../shared/outputs/lake-parquet.ts';
import { toS3 } from '../../../shared/outputs/s3.ts';
import { flowRecord, offsets } from './records.ts';

const read = (body: Buffer) =>
  parquetReadObjects({
    file: body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer,
  });

const plan = (records: Parameters<typeof planLakeObjects>[0], format = parquetFormat(envelopeColumns)) =>
  planLakeObjects(records, {
    name: 's3:lake',
    prefix: 'raw',
    maxObjectBytes: 1 << 20,
    line: envelopeLine,
    tombstones: 'keep',
    format,
  });

describe('Parquet lake objects', () => {
  it('hold the envelope columns, readable by a Parquet reader, under a .parquet key', async () => {
    // Act
    const { objects } = plan([
      flowRecord({ offset: 7, value: { rating: 5 } }),
      flowRecord({ offset: 8, value: null }),
    ]);
    // Assess
    expect(objects[0]?.key).toBe(
      'raw/topic=reviews/dt=2025-01-02/hour=03/reviews-0-00000000000000000007.parquet',
    );
    const rows = await read(objects[0]?.body ?? Buffer.alloc(0));
    expect(rows).toEqual([
      {
        topic: 'reviews',
        partition: 0,
        offset: 7n,
        timestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)),
        key: 'k-7',
        headers: {},
        value: { rating: 5 },
        tombstone: null,
      },
      {
        topic: 'reviews',
        partition: 0,
        offset: 8n,
        timestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)),
        key: 'k-8',
        headers: {},
        value: null,
        tombstone: true,
      },
    ]);
  });

  it('are byte-identical when the same batch is written again', () => {
    const first = plan(offsets(0, 200)).objects;
    const again = plan(offsets(0, 200)).objects;
    expect(again.map((o) => o.body.toString('hex'))).toEqual(first.map((o) => o.body.toString('hex')));
  });

  it('can hold declared columns taken from a custom row', async () => {
    // Prepare
    const format = parquetFormat({ reviewId: 'STRING', rating: 'INT32' });
    const records = [flowRecord({ offset: 1, value: { reviewId: 'r1', rating: 4, extra: true } })];
    // Act
    const { objects } = planLakeObjects(records, {
      name: 's3:lake',
      prefix: '',
      maxObjectBytes: 1 << 20,
      line: (r) => r.value,
      tombstones: 'skip',
      format,
    });
    // Assess
    expect(await read(objects[0]?.body ?? Buffer.alloc(0))).toEqual([{ reviewId: 'r1', rating: 4 }]);
  });

  it('need declared columns when a custom line function shapes the rows', () => {
    expect(() => toS3({ bucket: 'lake', format: 'parquet', line: (r) => r.value })).toThrow(ConfigError);
    expect(() => toS3({ bucket: 'lake', columns: { a: 'STRING' } })).toThrow(/only with format/);
    expect(toS3({ bucket: 'lake', format: 'parquet' }).kind).toBe('s3');
  });
});
