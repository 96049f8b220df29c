import { RecordRejectedError } from '../errors.ts';
import type { FlowRecord } from '../record.ts';

/**
 * Debezium change events (https://debezium.io/documentation/reference/stable/connectors/postgresql.html#postgresql-events):
 * `{ before, after, source, op, ts_ms }`, or the same under `payload` when the JSON converter writes schemas
 * (`{ schema, payload }`). Only the fields the table loader needs are read; everything else is the user's.
 */
export type CdcChange =
  | { readonly op: 'upsert'; readonly row: Record<string, unknown>; readonly position: string }
  | {
      readonly op: 'delete';
      /** Where the key of the deleted row is found: `before` (may be absent), then the record key. */
      readonly before: Record<string, unknown> | undefined;
      readonly recordKey: Record<string, unknown> | string | null;
      readonly position: string;
      /** When the delete happened by Debezium's clocks (ms): the later of `ts_ms` and `source.ts_ms`, if either. */
      readonly timeMs: number | undefined;
    }
  /** The Kafka tombstone Debezium writes after a delete (for compaction): the delete already did the work. */
  | { readonly op: 'skip' };

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The JSON converter with `schemas.enable=true` wraps every key and value as `{ schema, payload }`. */
const unwrap = (value: unknown): unknown =>
  isObject(value) && 'schema' in value && 'payload' in value ? value.payload : value;

/** Width of a non-negative 64-bit integer in decimal, so positions compare as strings in DynamoDB. */
const WIDTH = 20;

const ZERO = '0'.repeat(WIDTH);

const positionPart = (name: string, value: unknown): string => {
  const digits =
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? String(value)
      : typeof value === 'string' && /^\d{1,20}$/.test(value)
        ? value
        : undefined;
  if (digits === undefined) {
    throw new RecordRejectedError(
      `Debezium ${name} must be a non-negative integer, got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  }
  return digits.padStart(WIDTH, '0');
};

/**
 * Where a change stands in the source database's history, as a fixed-width string that DynamoDB compares
 * lexicographically. Postgres: the change's LSN (`source.lsn`), unique per change, so a change sent again has
 * the same position and is refused. Other connectors: the database's commit time (`source.ts_ms`, whole
 * seconds on MySQL), then the connector's time (`ts_ms`), then the Kafka offset, so changes a clock cannot tell
 * apart keep their topic order.
 */
const positionOf = (envelope: Record<string, unknown>, record: FlowRecord): string => {
  const source = envelope.source;
  if (!isObject(source)) throw new RecordRejectedError('Debezium envelope has no source object');
  if (source.lsn !== undefined && source.lsn !== null) {
    return `${positionPart('source.lsn', source.lsn)}.${ZERO}.${ZERO}`;
  }
  const connectorTime = envelope.ts_ms === undefined || envelope.ts_ms === null ? 0 : envelope.ts_ms;
  return [
    positionPart('source.ts_ms', source.ts_ms),
    positionPart('ts_ms', connectorTime),
    positionPart('offset', record.source.offset),
  ].join('.');
};

const recordKeyOf = (record: FlowRecord): Record<string, unknown> | string | null => {
  if (record.key === null) return null;
  try {
    const parsed = unwrap(JSON.parse(record.key));
    if (isObject(parsed)) return parsed;
  } catch {
    // A plain-text key (a String key converter): the partition key's value itself.
  }
  return record.key;
};

const validTime = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

/** The later of the connector's and the database's clocks; a missing or malformed one is left out. */
const timeOf = (envelope: Record<string, unknown>): number | undefined => {
  const times = [envelope.ts_ms, isObject(envelope.source) ? envelope.source.ts_ms : undefined].flatMap(
    (t) => {
      const valid = validTime(t);
      return valid === undefined ? [] : [valid];
    },
  );
  return times.length > 0 ? Math.max(...times) : undefined;
};

/** Reads one record as a Debezium change; a record that is not one is rejected with the reason. */
export const readChange = (record: FlowRecord): CdcChange => {
  if (record.value === null && record.source.value === null) return { op: 'skip' };
  const envelope = unwrap(record.value);
  if (!isObject(envelope)) throw new RecordRejectedError('a Debezium change event must be a JSON object');
  const op = envelope.op;
  switch (op) {
    case 'c':
    case 'r':
    case 'u': {
      if (!isObject(envelope.after)) {
        throw new RecordRejectedError(`Debezium op "${op}" must carry an "after" object`);
      }
      return { op: 'upsert', row: envelope.after, position: positionOf(envelope, record) };
    }
    case 'd':
      return {
        op: 'delete',
        before: isObject(envelope.before) ? envelope.before : undefined,
        recordKey: recordKeyOf(record),
        position: positionOf(envelope, record),
        timeMs: timeOf(envelope),
      };
    default:
      throw new RecordRejectedError(
        typeof op === 'string'
          ? `Debezium op "${op.slice(0, 20)}" is not a row change (c, r, u or d)`
          : 'not a Debezium change event: no "op" field',
      );
  }
};
