import type { ColumnSource } from 'hyparquet-writer';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { RecordRejectedError } from '../errors.ts';
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
  /** true for a tombstone (a Kafka null value), null otherwise: `value` is null for both it and a JSON null. */
  tombstone: 'BOOLEAN',
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const integerText = /^-?\d+$/;

/** Why a cell cannot go into its column: the record is dead-lettered with this, naming the column. */
const refuse = (name: string, type: ParquetType, value: unknown): never => {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value).slice(0, 80);
  throw new RecordRejectedError(`Parquet column "${name}" (${type}) cannot hold ${typeof value} ${shown}`);
};

const toInt64 = (name: string, value: unknown): bigint => {
  let n: bigint | undefined;
  if (typeof value === 'bigint') n = value;
  // An integer written as text is converted exactly; through a double it would be rounded beyond 2^53.
  else if (typeof value === 'string' && integerText.test(value)) n = BigInt(value);
  else {
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (Number.isFinite(number)) n = BigInt(Math.trunc(number));
  }
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) return refuse(name, 'INT64', value);
  return n;
};

/** One cell as hyparquet-writer takes it; a value the column cannot hold is refused, never altered silently. */
const convert = (name: string, type: ParquetType, value: unknown): unknown => {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'INT64':
      return toInt64(name, value);
    case 'INT32': {
      const n = typeof value === 'number' || typeof value === 'string' ? Number(value) : Number.NaN;
      // The writer would wrap anything beyond 32 bits into another number.
      if (!Number.isFinite(n) || n < -(2 ** 31) || n >= 2 ** 31) return refuse(name, type, value);
      return Math.trunc(n);
    }
    case 'DOUBLE': {
      const n = typeof value === 'number' || typeof value === 'string' ? Number(value) : Number.NaN;
      if (Number.isNaN(n)) return refuse(name, type, value);
      return n;
    }
    case 'BOOLEAN':
      return Boolean(value);
    case 'TIMESTAMP': {
      const date = new Date(typeof value === 'number' || typeof value === 'string' ? value : Number.NaN);
      if (Number.isNaN(date.getTime())) return refuse(name, type, value);
      return date;
    }
    case 'JSON':
      return value;
  }
};

/**
 * Parquet objects (snappy pages, hyparquet-writer) with the declared columns, read from each row by name.
 * Each row's cells are converted when the record is planned (`row`), so a cell its column cannot hold
 * dead-letters that record alone. The writer stamps no time into the file, so the same rows always give the
 * same bytes.
 */
export const parquetFormat = (columns: Readonly<Record<string, ParquetType>>): LakeFormat => {
  const names = Object.keys(columns);
  const types = names.map((name) => columns[name] as ParquetType);
  return {
    extension: 'parquet',
    contentType: 'application/vnd.apache.parquet',
    row: (row) => {
      const cells: unknown[] = new Array(names.length);
      for (let c = 0; c < names.length; c++) {
        const name = names[c] as string;
        cells[c] = convert(name, types[c] as ParquetType, (row as Record<string, unknown> | null)?.[name]);
      }
      return cells;
    },
    encode: ({ rows }) => {
      const columnData: ColumnSource[] = names.map((name, c) => ({
        name,
        type: types[c] as ParquetType,
        data: rows.map((cells) => (cells as unknown[])[c]) as never,
      }));
      return Buffer.from(parquetWriteBuffer({ columnData, createdBy: 'sluice' }));
    },
  };
};
