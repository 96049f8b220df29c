import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { marshallOptions } from '@aws-sdk/util-dynamodb';
import { RecordRejectedError } from '../errors.ts';
import { type FlowRecord, isTombstone } from '../record.ts';
import { readChange } from './table-cdc.ts';

export interface TableKey {
  readonly partition: string;
  readonly sort?: string;
}

/** Attributes every loaded item carries: where it came from, so state can be traced and replays reasoned about. */
export const LineageAttribute = {
  Topic: '_sluice_topic',
  Partition: '_sluice_partition',
  Offset: '_sluice_offset',
} as const;

/** Attributes of a table loaded from a change stream (`cdc: 'debezium'`). */
export const CdcAttribute = {
  /** The change's position in the source database's history (see table-cdc.ts); writes only move it forward. */
  Position: '_sluice_pos',
  /** true on the item a delete leaves: it keeps the position, so an older change cannot bring the row back. */
  Deleted: '_sluice_deleted',
  /**
   * On a delete marker only: when DynamoDB's TTL may remove it (epoch seconds). An upsert replaces the whole item,
   * so a live row never carries it.
   */
  Expires: '_sluice_expires',
} as const;

/** How long a delete marker outlives its delete: Kafka's default retention (`retention.ms`), 7 days. */
export const DEFAULT_DELETE_MARKER_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface TablePlanOptions {
  readonly key: TableKey;
  /** The item for a record (must contain the key attributes). */
  readonly item: (record: FlowRecord) => Record<string, unknown>;
  /** The key of a tombstone's item; default `{ [partition]: record.key }`. */
  readonly keyOf?: (record: FlowRecord) => Record<string, unknown>;
  readonly tombstones: 'delete' | 'ignore';
  /** Read Debezium change events instead of plain rows (see table-cdc.ts). */
  readonly cdc?: 'debezium';
  /** With `cdc`: seconds after the delete at which its marker expires; default DEFAULT_DELETE_MARKER_TTL_SECONDS. */
  readonly deleteMarkerTtlSeconds?: number;
}

/** One write for one key: the last record for that key in the batch decides it. */
export interface TableWrite {
  readonly record: FlowRecord;
  readonly request: WriteRequest;
  /** A change's source position: the put applies only over an item with a smaller one (or none). */
  readonly position?: string;
}

const keyValue = (attribute: string, value: unknown): string | number => {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new RecordRejectedError(
    `key attribute "${attribute}" must be a non-empty string or a number, got ${JSON.stringify(value)}`,
  );
};

const keyOfItem = (key: TableKey, item: Record<string, unknown>): Record<string, string | number> => ({
  [key.partition]: keyValue(key.partition, item[key.partition]),
  ...(key.sort ? { [key.sort]: keyValue(key.sort, item[key.sort]) } : {}),
});

const defaultKeyOf = (key: TableKey) => (record: FlowRecord) => ({ [key.partition]: record.key });

/**
 * Last write per key: one put (item + lineage attributes) or delete (tombstone) per distinct key, in the order
 * the keys last appeared, so the batch converges to the state a one-by-one replay would leave.
 */
export type Marshall = (
  item: Record<string, unknown>,
  options?: marshallOptions,
) => Record<string, AttributeValue>;

export const planTableWrites = (
  records: readonly FlowRecord[],
  options: TablePlanOptions,
  /** `marshall` from @aws-sdk/util-dynamodb, passed in so the SDK loads only when a table is written. */
  marshall: Marshall,
): { writes: TableWrite[]; rejected: [FlowRecord, RecordRejectedError][] } => {
  if (options.cdc === 'debezium') return planCdcWrites(records, options, marshall);
  const byKey = new Map<string, TableWrite>();
  const rejected: [FlowRecord, RecordRejectedError][] = [];
  for (const record of records) {
    try {
      let request: WriteRequest;
      let key: Record<string, string | number>;
      if (isTombstone(record)) {
        if (options.tombstones === 'ignore') continue;
        key = keyOfItem(options.key, (options.keyOf ?? defaultKeyOf(options.key))(record));
        request = { DeleteRequest: { Key: marshall(key) } };
      } else {
        const item = options.item(record);
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          throw new RecordRejectedError('the table item must be an object');
        }
        key = keyOfItem(options.key, item);
        const full = {
          ...item,
          [LineageAttribute.Topic]: record.source.topic,
          [LineageAttribute.Partition]: record.source.partition,
          [LineageAttribute.Offset]: record.source.offset,
        };
        request = {
          PutRequest: {
            Item: marshall(full, { removeUndefinedValues: true, convertClassInstanceToMap: true }),
          },
        };
      }
      const id = JSON.stringify(Object.values(key).map((v) => [typeof v, v]));
      byKey.delete(id);
      byKey.set(id, { record, request });
    } catch (error) {
      rejected.push([record, asRejection(error)]);
    }
  }
  return { writes: [...byKey.values()], rejected };
};

const lineageOf = (record: FlowRecord) => ({
  [LineageAttribute.Topic]: record.source.topic,
  [LineageAttribute.Partition]: record.source.partition,
  [LineageAttribute.Offset]: record.source.offset,
});

/**
 * When a delete's marker may go: the retention after the latest of the delete's clocks (its Kafka record time,
 * which Kafka's retention counts from, and Debezium's `ts_ms`/`source.ts_ms`); the wall clock if it has none.
 */
const expiryOf = (record: FlowRecord, debeziumTimeMs: number | undefined, ttlSeconds: number): number => {
  const times = [record.source.timestamp, debeziumTimeMs].filter(
    (t): t is number => t !== undefined && Number.isSafeInteger(t) && t >= 0,
  );
  const deletedAtMs = times.length > 0 ? Math.max(...times) : Date.now();
  return Math.floor(deletedAtMs / 1000) + ttlSeconds;
};

const deletedKey = (
  key: TableKey,
  before: Record<string, unknown> | undefined,
  recordKey: Record<string, unknown> | string | null,
): Record<string, string | number> => {
  if (before && before[key.partition] !== undefined) return keyOfItem(key, before);
  if (recordKey !== null && typeof recordKey === 'object') return keyOfItem(key, recordKey);
  if (typeof recordKey === 'string' && !key.sort) return keyOfItem(key, { [key.partition]: recordKey });
  throw new RecordRejectedError(
    `Debezium delete carries no key: neither "before" nor the record key holds "${key.partition}"`,
  );
};

/**
 * Debezium changes: per key, the change with the highest source position in the batch (a later one in the batch
 * on a tie), as a put made conditional on that position by the writer. A delete is a put too: of the key, the
 * position and `_sluice_deleted`, so a change older than the delete that arrives after it finds a newer position
 * and is refused, instead of bringing the row back; `_sluice_expires` lets DynamoDB's TTL remove the marker once
 * no replay can still bring such a change.
 */
const planCdcWrites = (
  records: readonly FlowRecord[],
  options: TablePlanOptions,
  marshall: Marshall,
): { writes: TableWrite[]; rejected: [FlowRecord, RecordRejectedError][] } => {
  const byKey = new Map<string, TableWrite & { readonly position: string }>();
  const rejected: [FlowRecord, RecordRejectedError][] = [];
  for (const record of records) {
    try {
      const change = readChange(record);
      if (change.op === 'skip') continue;
      let item: Record<string, unknown>;
      let key: Record<string, string | number>;
      if (change.op === 'upsert') {
        key = keyOfItem(options.key, change.row);
        item = { ...change.row, ...lineageOf(record), [CdcAttribute.Position]: change.position };
      } else {
        key = deletedKey(options.key, change.before, change.recordKey);
        item = {
          ...key,
          ...lineageOf(record),
          [CdcAttribute.Position]: change.position,
          [CdcAttribute.Deleted]: true,
          [CdcAttribute.Expires]: expiryOf(
            record,
            change.timeMs,
            options.deleteMarkerTtlSeconds ?? DEFAULT_DELETE_MARKER_TTL_SECONDS,
          ),
        };
      }
      const request = {
        PutRequest: {
          Item: marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }),
        },
      };
      const id = JSON.stringify(Object.values(key).map((v) => [typeof v, v]));
      const current = byKey.get(id);
      if (current && current.position > change.position) continue;
      byKey.delete(id);
      byKey.set(id, { record, request, position: change.position });
    } catch (error) {
      rejected.push([record, asRejection(error)]);
    }
  }
  return {
    writes: [...byKey.values()].map(({ record, request, position }) => ({ record, request, position })),
    rejected,
  };
};

const asRejection = (error: unknown): RecordRejectedError =>
  error instanceof RecordRejectedError
    ? error
    : new RecordRejectedError(
        `cannot build the table item: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );

/** BatchWriteItem takes at most 25 requests. */
export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};
