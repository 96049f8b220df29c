import { RecordRejectedError } from '../errors.ts';
import { type FlowRecord, isTombstone } from '../record.ts';

export interface PostgresPlanOptions {
  /** The key columns (the table's primary key or a unique constraint over exactly them). */
  readonly key: readonly string[];
  /** The row for a record: an object whose properties are column names. */
  readonly row: (record: FlowRecord) => unknown;
  /** The key columns of the row a tombstone deletes. */
  readonly keyOf: (record: FlowRecord) => unknown;
  readonly tombstones: 'delete' | 'ignore';
  /** With an ordering column, every upsert of a key is sent and the database keeps the greatest (see postgres-sql.ts). */
  readonly orderBy?: string;
}

/** One row of a statement: its record, and its JSON text (an object), made once when planned. */
export interface PlannedRow {
  readonly record: FlowRecord;
  readonly json: string;
  /** The key's identity (its values as JSON), to count distinct keys per statement. */
  readonly key: string;
}

export interface PostgresPlan {
  /** Keys a tombstone deletes, run before the upserts: a key deleted and then written again ends written. */
  readonly deletes: PlannedRow[];
  readonly upserts: PlannedRow[];
  readonly rejected: [FlowRecord, RecordRejectedError][];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A key column's value: a non-empty string, a finite number or a boolean, never missing or null. */
const keyValues = (key: readonly string[], row: Record<string, unknown>): unknown[] =>
  key.map((column) => {
    const value = row[column];
    if (
      (typeof value === 'string' && value.length > 0) ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      typeof value === 'boolean'
    ) {
      return value;
    }
    throw new RecordRejectedError(
      `key column "${column}" must be a non-empty string, a number or a boolean, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
    );
  });

/** Record content may not serialise (a BigInt, a cycle, a depth JSON.stringify overflows on): that record only. */
const jsonOf = (row: Record<string, unknown>): string => {
  try {
    return JSON.stringify(row);
  } catch (error) {
    throw new RecordRejectedError(`the row cannot be written as JSON: ${(error as Error).message}`);
  }
};

const asRejection = (error: unknown): RecordRejectedError =>
  error instanceof RecordRejectedError
    ? error
    : new RecordRejectedError(`the row could not be built: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      });

interface KeyWrites {
  /** A tombstone was seen for the key in this batch. */
  deleted: boolean;
  /** Upserts after the key's last tombstone, in source order. */
  upserts: PlannedRow[];
}

/**
 * The batch's writes per key, in source order, so it converges to what a one-by-one replay leaves: a key whose
 * last record is a tombstone is deleted; a key deleted and written again in the batch is deleted, then upserted.
 * Without `orderBy` only the key's last upsert is kept; with it, every upsert after its last tombstone is sent
 * and the statement keeps the greatest ordering value (the database compares, in the column's type).
 */
export const planPostgresWrites = (
  records: readonly FlowRecord[],
  options: PostgresPlanOptions,
): PostgresPlan => {
  const byKey = new Map<string, KeyWrites>();
  const rejected: [FlowRecord, RecordRejectedError][] = [];
  const deletes: PlannedRow[] = [];
  for (const record of records) {
    try {
      const tombstone = isTombstone(record);
      if (tombstone && options.tombstones === 'ignore') continue;
      const row = tombstone ? options.keyOf(record) : options.row(record);
      if (!isObject(row)) throw new RecordRejectedError(`the ${tombstone ? 'key' : 'row'} must be an object`);
      const values = keyValues(options.key, row);
      const id = JSON.stringify(values);
      let writes = byKey.get(id);
      if (!writes) {
        writes = { deleted: false, upserts: [] };
        byKey.set(id, writes);
      }
      if (tombstone) {
        const keyRow = Object.fromEntries(options.key.map((column, i) => [column, values[i]]));
        if (!writes.deleted) deletes.push({ record, json: JSON.stringify(keyRow), key: id });
        writes.deleted = true;
        writes.upserts = [];
      } else {
        const planned = { record, json: jsonOf(row), key: id };
        if (options.orderBy) writes.upserts.push(planned);
        else writes.upserts = [planned];
      }
    } catch (error) {
      rejected.push([record, asRejection(error)]);
    }
  }
  const upserts = [...byKey.values()].flatMap((w) => w.upserts);
  return { deletes, upserts, rejected };
};
