import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { type LakeFormat, planLakeObjects } from '../../../shared/outputs/lake-objects.ts';
import { type ParquetType, parquetFormat } from '../../../shared/outputs/lake-parquet.ts';
import { flowRecord } from './records.ts';

const read = (body: Buffer) =>
  parquetReadObjects({
    file: body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer,
  });

const plan = (columns: Record<string, ParquetType>, values: readonly unknown[]) =>
  planLakeObjects(
    values.map((value, i) => flowRecord({ offset: i, value })),
    {
      name: 's3:lake',
      prefix: '',
      maxObjectBytes: 1 << 20,
      line: (r) => r.value,
      tombstones: 'keep',
      format: parquetFormat(columns),
    },
  );

const rejections = (deadLetters: ReturnType<typeof plan>['deadLetters']) =>
  deadLetters.map((d) => [d.record.source.offset, d.stage, d.error.message]);

describe('Parquet rows from untrusted values', () => {
  it('dead-letter a record whose INT64 cell is not a number, instead of failing the batch on BigInt(NaN)', async () => {
    // Act
    const { objects, deadLetters } = plan({ id: 'INT64' }, [
      { id: 1 },
      { id: 'abc' },
      { id: '12345678901234567890' },
    ]);
    // Assess
    expect(rejections(deadLetters)).toEqual([
      [1, 'output', 'Parquet column "id" (INT64) cannot hold string "abc"'],
      [2, 'output', 'Parquet column "id" (INT64) cannot hold string "12345678901234567890"'],
    ]);
    expect(await read(objects[0]?.body ?? Buffer.alloc(0))).toEqual([{ id: 1n }]);
  });

  it('keep an integer given as text exactly in an INT64 column, beyond 2^53', async () => {
    // Act
    const { objects, deadLetters } = plan({ id: 'INT64' }, [{ id: '9007199254740993' }, { id: '-42' }]);
    // Assess
    expect(deadLetters).toEqual([]);
    expect(await read(objects[0]?.body ?? Buffer.alloc(0))).toEqual([
      { id: 9007199254740993n },
      { id: -42n },
    ]);
  });

  it('dead-letter an INT32 beyond 32 bits, a non-numeric DOUBLE and an invalid TIMESTAMP rather than alter them', async () => {
    // Act
    const { objects, deadLetters } = plan({ n: 'INT32', d: 'DOUBLE', at: 'TIMESTAMP' }, [
      { n: 2 ** 31, d: 1, at: 0 },
      { n: 1, d: 'x', at: 0 },
      { n: 1, d: 1, at: 'not a time' },
      { n: 7, d: 2.5, at: '2025-01-02T03:04:05Z' },
    ]);
    // Assess
    expect(rejections(deadLetters)).toEqual([
      [0, 'output', 'Parquet column "n" (INT32) cannot hold number 2147483648'],
      [1, 'output', 'Parquet column "d" (DOUBLE) cannot hold string "x"'],
      [2, 'output', 'Parquet column "at" (TIMESTAMP) cannot hold string "not a time"'],
    ]);
    expect(await read(objects[0]?.body ?? Buffer.alloc(0))).toEqual([
      { n: 7, d: 2.5, at: new Date('2025-01-02T03:04:05Z') },
    ]);
  });

  it('dead-letter a record the encoder itself throws for and encode the object again without it', () => {
    // Prepare: a fake encoder (no library throws on demand) that refuses rows marked bad
    const encode: LakeFormat['encode'] = ({ rows }) => {
      if (rows.some((r) => (r as { bad?: boolean }).bad)) throw new RangeError('cannot encode');
      return Buffer.from(JSON.stringify(rows));
    };
    const records = [{ n: 0 }, { n: 1, bad: true }, { n: 2 }].map((value, i) =>
      flowRecord({ offset: i, value }),
    );
    // Act
    const { objects, deadLetters } = planLakeObjects(records, {
      name: 's3:lake',
      prefix: '',
      maxObjectBytes: 1 << 20,
      line: (r) => r.value,
      tombstones: 'keep',
      format: { extension: 'json', contentType: 'application/json', encode },
    });
    // Assess
    expect(rejections(deadLetters)).toEqual([
      [1, 'output', 'cannot encode the record into a lake object: RangeError: cannot encode'],
    ]);
    expect(objects.map((o) => [o.key, o.records.map((r) => r.source.offset), o.body.toString()])).toEqual([
      [
        'topic=reviews/dt=2025-01-02/hour=03/reviews-0-00000000000000000000.json',
        [0, 2],
        '[{"n":0},{"n":2}]',
      ],
    ]);
  });
});
