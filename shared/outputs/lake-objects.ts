import { gzipSync } from 'node:zlib';
import { RecordRejectedError, Stage } from '../errors.ts';
import { type FlowRecord, isTombstone } from '../record.ts';
import { jsonSafe } from './encode.ts';
import type { DeadLetter } from './output.ts';

/** One S3 object to put: its key, the records it holds (in source order) and its exact bytes. */
export interface LakeObject {
  readonly key: string;
  readonly records: readonly FlowRecord[];
  readonly body: Buffer;
}

/** Turns one object's rendered rows (and their NDJSON lines) into the object's bytes. */
export type LakeEncoder = (chunk: {
  readonly rows: readonly unknown[];
  readonly lines: readonly Buffer[];
}) => Buffer;

export interface LakeFormat {
  /** File extension after the first offset, e.g. `json.gz`. */
  readonly extension: string;
  readonly contentType: string;
  readonly contentEncoding?: string;
  /**
   * Converts one record's rendered row into what `encode` takes, when the record is planned: a row this
   * throws for is dead-lettered alone. Unset: `encode` gets the rendered rows.
   */
  readonly row?: (row: unknown) => unknown;
  readonly encode: LakeEncoder;
}

export interface LakePlanOptions {
  readonly name: string;
  /** gzip NDJSON unless another format is given. */
  readonly format?: LakeFormat;
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  readonly prefix: string;
  /** Dotted path of a value field holding the event time (epoch ms or ISO string); record timestamp if unset. */
  readonly timeField?: string;
  /** Uncompressed NDJSON bytes per object (whatever the format); larger groups are split deterministically. */
  readonly maxObjectBytes: number;
  /** The JSON written for one record. */
  readonly line: (record: FlowRecord) => unknown;
  readonly tombstones: 'keep' | 'skip';
}

/**
 * The default line: the record's value with the coordinates needed to find it again. A tombstone also carries
 * `"tombstone": true`, so a reader can tell a delete from a record whose value is the JSON null.
 */
export const envelopeLine = (record: FlowRecord): unknown =>
  isTombstone(record)
    ? {
        topic: record.source.topic,
        partition: record.source.partition,
        offset: record.source.offset,
        timestamp: record.source.timestamp,
        key: record.key,
        headers: record.headers,
        value: null,
        tombstone: true,
      }
    : {
        topic: record.source.topic,
        partition: record.source.partition,
        offset: record.source.offset,
        timestamp: record.source.timestamp,
        key: record.key,
        headers: record.headers,
        value: jsonSafe(record.value),
      };

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** The last millisecond of year 9999: a four-digit `dt=` stops there. */
export const MAX_PARTITION_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Hive-style time partition (UTC) for an instant: `dt=YYYY-MM-DD/hour=HH`. Instants outside years 1970–9999
 * (Kafka's -1 for "no timestamp", Long.MAX, a seconds value read as years) are refused with the reason, so the
 * record is dead-lettered rather than filed under `dt=NaN-…` or a five-digit year.
 */
export const timePartition = (epochMs: number, timeField?: string): string => {
  if (!(epochMs >= 0 && epochMs <= MAX_PARTITION_MS)) {
    const what = timeField === undefined ? 'record timestamp' : `time field "${timeField}"`;
    throw new RecordRejectedError(
      `${what} ${epochMs} is outside years 1970–9999${epochMs === -1 ? ' (Kafka writes -1 when a record has no timestamp)' : ''}`,
    );
  }
  const d = new Date(epochMs);
  return `dt=${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}/hour=${pad2(d.getUTCHours())}`;
};

const valueAt = (value: unknown, path: string): unknown => {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
};

/** The instant a record is filed under: a declared value field, else the record's own timestamp. */
export const eventTime = (record: FlowRecord, timeField: string | undefined): number => {
  if (timeField === undefined) return record.source.timestamp;
  const raw = valueAt(record.value, timeField);
  const ms = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new RecordRejectedError(
      `time field "${timeField}" is missing or not a time (${JSON.stringify(raw)})`,
    );
  }
  return ms;
};

/** Topic names are [a-zA-Z0-9._-]; anything else is escaped so a key never gains a path segment. */
const safeSegment = (text: string): string =>
  text.replace(/[^a-zA-Z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);

/** `<prefix>/topic=<t>/dt=…/hour=…/<t>-<partition>-<first offset, 20 digits>.json.gz` */
export const objectKey = (
  prefix: string,
  topic: string,
  partition: number,
  time: string,
  firstOffset: number,
  extension = 'json.gz',
) => {
  const t = safeSegment(topic);
  const file = `${t}-${partition}-${String(firstOffset).padStart(20, '0')}.${extension}`;
  return [prefix, `topic=${t}`, time, file].filter(Boolean).join('/');
};

/** gzip with fixed level and no mtime/name in the header: the same lines always give the same bytes. */
export const gzipDeterministic = (data: Buffer): Buffer => gzipSync(data, { level: 6 });

export const ndjsonGzip: LakeFormat = {
  extension: 'json.gz',
  contentType: 'application/x-ndjson',
  contentEncoding: 'gzip',
  encode: ({ lines }) => gzipDeterministic(Buffer.concat(lines)),
};

type Entry = [record: FlowRecord, row: unknown, line: Buffer];

const encodeEntries = (format: LakeFormat, entries: readonly Entry[]): Buffer =>
  format.encode({ rows: entries.map(([, row]) => row), lines: entries.map(([, , line]) => line) });

/**
 * One object's entries and bytes. Almost always every entry; when the encoder throws, each entry is tried alone
 * and those it throws for are rejected, so one record's content never fails the batch, and the object is
 * encoded again from what is left.
 */
const encodeObject = (
  chunk: readonly Entry[],
  format: LakeFormat,
  reject: (record: FlowRecord, error: unknown) => void,
): { entries: readonly Entry[]; body: Buffer } => {
  try {
    return { entries: chunk, body: encodeEntries(format, chunk) };
  } catch {
    const entries = chunk.filter((entry) => {
      try {
        encodeEntries(format, [entry]);
        return true;
      } catch (error) {
        reject(entry[0], error);
        return false;
      }
    });
    return { entries, body: entries.length > 0 ? encodeEntries(format, entries) : Buffer.alloc(0) };
  }
};

/**
 * Groups records by topic, partition and time partition, and cuts each group greedily at `maxObjectBytes`.
 * Every cut depends only on the records from the group's first offset onwards, so a replay of the same batch,
 * or a superset of it from the same first offset, yields the same keys with the same (or superset) content.
 */
export const planLakeObjects = (
  records: readonly FlowRecord[],
  options: LakePlanOptions,
): { objects: LakeObject[]; deadLetters: DeadLetter[] } => {
  const deadLetters: DeadLetter[] = [];
  const format = options.format ?? ndjsonGzip;
  const groups = new Map<string, { topic: string; partition: number; time: string; lines: Entry[] }>();
  const sorted = [...records].sort(
    (a, b) =>
      a.source.topic.localeCompare(b.source.topic) ||
      a.source.partition - b.source.partition ||
      a.source.offset - b.source.offset,
  );
  for (const record of sorted) {
    if (options.tombstones === 'skip' && isTombstone(record)) continue;
    try {
      const time = timePartition(eventTime(record, options.timeField), options.timeField);
      const rendered = options.line(record);
      const line = Buffer.from(`${JSON.stringify(rendered)}\n`, 'utf8');
      const row = format.row ? format.row(rendered) : rendered;
      const id = `${record.source.topic}\u0000${record.source.partition}\u0000${time}`;
      let group = groups.get(id);
      if (!group) {
        group = { topic: record.source.topic, partition: record.source.partition, time, lines: [] };
        groups.set(id, group);
      }
      group.lines.push([record, row, line]);
    } catch (error) {
      const rejected =
        error instanceof RecordRejectedError
          ? error
          : new RecordRejectedError(`cannot render record as a lake line: ${String(error)}`, {
              cause: error,
            });
      deadLetters.push({ record, stage: Stage.Output, error: rejected, component: options.name });
    }
  }
  const reject = (record: FlowRecord, error: unknown) =>
    deadLetters.push({
      record,
      stage: Stage.Output,
      error: new RecordRejectedError(`cannot encode the record into a lake object: ${String(error)}`, {
        cause: error,
      }),
      component: options.name,
    });

  const objects: LakeObject[] = [];
  for (const group of groups.values()) {
    let chunk: Entry[] = [];
    let bytes = 0;
    const flush = () => {
      if (chunk.length === 0) return;
      const { entries, body } = encodeObject(chunk, format, reject);
      const head = entries[0];
      if (head) {
        objects.push({
          key: objectKey(
            options.prefix,
            group.topic,
            group.partition,
            group.time,
            head[0].source.offset,
            format.extension,
          ),
          records: entries.map(([record]) => record),
          body,
        });
      }
      chunk = [];
      bytes = 0;
    };
    for (const entry of group.lines) {
      if (chunk.length > 0 && bytes + entry[2].length > options.maxObjectBytes) flush();
      chunk.push(entry);
      bytes += entry[2].length;
    }
    flush();
  }
  return { objects, deadLetters };
};
