import type { ColumnSource } from 'hyparquet-writer';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { LakeFormat } from './lake-objects.ts';

/** Column types a lake Parquet schema may declare (hyparquet-writer basic types). */
export const ParquetType = {
  String: 'STRING',
  Json: 'JSON',
  Boolean: 'BOOLEAN',
  Int32: 'INT32',
  Int64: 'INT64',
  Double: 'DOUBLE',
  Timestamp: 'TIMESTAMP',
} as const;
export type ParquetType = (typeof ParquetType)[keyof typeof ParquetType];

/** The columns of the default envelope row (see `envelopeLine`). */
export const envelopeColumns: Readonly<Record<string, ParquetType>> = {
  topic: 'STRING',
  partition: 'INT32',
  offset: 'INT64',
  timestamp: 'TIMESTAMP',
  key: 'STRING',
  headers: 'JSON',
  value: 'JSON',
};

const convert = (type: ParquetType, value: unknown): unknown => {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'INT64':
      return BigInt(Math.trunc(Number(value)));
    case 'INT32':
    case 'DOUBLE':
      return Number(value);
    case 'BOOLEAN':
      return Boolean(value);
    case 'TIMESTAMP':
      return new Date(typeof value === 'number' || typeof value === 'string' ? value : Number.NaN);
    case 'JSON':
      return value;
  }
};

/**
 * Parquet objects (snappy pages, hyparquet-writer) with the declared columns, read from each row by name.
 * The writer stamps no time into the file, so the same rows always give the same bytes.
 */
export const parquetFormat = (columns: Readonly<Record<string, ParquetType>>): LakeFormat => ({
  extension: 'parquet',
  contentType: 'application/vnd.apache.parquet',
  encode: ({ rows }) => {
    const columnData: ColumnSource[] = Object.entries(columns).map(([name, type]) => ({
      name,
      type,
      data: rows.map((row) => convert(type, (row as Record<string, unknown> | null)?.[name])) as never,
    }));
    return Buffer.from(parquetWriteBuffer({ columnData, createdBy: 'sluice' }));
  },
});
