import { DecodeError, type SluiceError, Stage } from '../errors.ts';
import type { DeadLetter } from '../outputs/output.ts';
import { type FlowRecord, TimestampType } from '../record.ts';
import { decodeBase64 } from './base64.ts';
import type { KafkaEvent, KafkaEventRecord } from './event.ts';
import { defaultDecoders, type ValueDecoder, type ValueFormat } from './formats.ts';
import { headersAsText, holdsEveryHeader } from './headers.ts';
import { KafkaSourceRecord } from './source-record.ts';

export interface DecodeOptions {
  /** Value format of each topic this flow reads; records of any other topic are dead-lettered. */
  readonly formats: Readonly<Record<string, ValueFormat>>;
  /** Replace or add decoders (the registry formats' seam). */
  readonly decoders?: Partial<Record<ValueFormat, ValueDecoder>>;
  /** Decodes key bytes to the record's key text (registry-framed keys); by default keys are UTF-8 text. */
  readonly keyDecoder?: (bytes: Buffer) => string;
}

/** What one partition contributed to a batch: for the summary log and partial batch responses. */
export interface PartitionRange {
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly count: number;
}

export interface DecodedBatch {
  /** Decoded records, partition by partition, each partition in source (offset) order. */
  readonly records: FlowRecord[];
  /** Records that could not be decoded, with their original bytes. */
  readonly deadLetters: DeadLetter[];
  readonly partitions: PartitionRange[];
  /** Every record in the event, decoded or not. */
  readonly total: number;
}

export const DECODER_COMPONENT = 'decoder';
const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Decodes one Lambda Kafka event (MSK or self-managed). Never throws for bad records: each one that cannot be
 * decoded becomes a dead letter at stage `decode`, carrying whatever original bytes the event had.
 */
export const decodeBatch = (event: KafkaEvent, options: DecodeOptions): DecodedBatch => {
  const decoders = options.decoders ? { ...defaultDecoders, ...options.decoders } : defaultDecoders;
  const records: FlowRecord[] = [];
  const deadLetters: DeadLetter[] = [];
  const partitions: PartitionRange[] = [];
  let total = 0;
  const groups = event?.records;
  if (groups == null || typeof groups !== 'object') return { records, deadLetters, partitions, total };

  for (const groupKey in groups) {
    const group = groups[groupKey];
    if (!Array.isArray(group) || group.length === 0) continue;
    const fallback = parseGroupKey(groupKey);
    const format = Object.hasOwn(options.formats, fallback.topic)
      ? options.formats[fallback.topic]
      : undefined;
    let firstOffset = Number.POSITIVE_INFINITY;
    let lastOffset = Number.NEGATIVE_INFINITY;
    let topic = fallback.topic;
    let partition = fallback.partition;
    for (const raw of group as readonly KafkaEventRecord[]) {
      total++;
      const outcome = decodeRecord(raw, fallback, format, decoders, options.formats, options.keyDecoder);
      const source = 'error' in outcome ? outcome.record.source : outcome.source;
      topic = source.topic;
      partition = source.partition;
      if (source.offset < firstOffset) firstOffset = source.offset;
      if (source.offset > lastOffset) lastOffset = source.offset;
      if ('error' in outcome) {
        deadLetters.push({
          record: outcome.record,
          stage: Stage.Decode,
          error: outcome.error,
          component: DECODER_COMPONENT,
        });
      } else {
        records.push(outcome);
      }
    }
    partitions.push({
      id: `${topic}-${partition}`,
      topic,
      partition,
      firstOffset,
      lastOffset,
      count: group.length,
    });
  }
  return { records, deadLetters, partitions, total };
};

/** "my-topic-3" → { topic: "my-topic", partition: 3 }: topic names may contain dashes, the partition cannot. */
const parseGroupKey = (groupKey: string): { topic: string; partition: number } => {
  const dash = groupKey.lastIndexOf('-');
  const partition = dash > 0 ? Number(groupKey.slice(dash + 1)) : Number.NaN;
  return Number.isInteger(partition)
    ? { topic: groupKey.slice(0, dash), partition }
    : { topic: groupKey, partition: -1 };
};

type RecordOutcome = FlowRecord | { readonly record: FlowRecord; readonly error: SluiceError };

/**
 * One record. The common case (well-formed fields, valid base64, a decodable value) runs without allocating
 * anything beyond the record itself; any problem drops to `failure`, which builds the dead letter.
 */
const decodeRecord = (
  raw: KafkaEventRecord,
  fallback: { topic: string; partition: number },
  format: ValueFormat | undefined,
  decoders: Readonly<Record<ValueFormat, ValueDecoder>>,
  formats: Readonly<Record<string, ValueFormat>>,
  keyDecoder?: (bytes: Buffer) => string,
): RecordOutcome => {
  const r = (raw ?? {}) as Partial<KafkaEventRecord>;
  const topic = typeof r.topic === 'string' && r.topic !== '' ? r.topic : fallback.topic;
  const partition = Number.isInteger(r.partition) ? (r.partition as number) : fallback.partition;
  const offset = r.offset as number;
  const timestamp = r.timestamp as number;
  const rawKey = r.key;
  const rawValue = r.value;
  const key = rawKey == null ? null : typeof rawKey === 'string' ? decodeBase64(rawKey) : undefined;
  const value = rawValue == null ? null : typeof rawValue === 'string' ? decodeBase64(rawValue) : undefined;
  const headers = headersAsText(r.headers);
  if (
    !Number.isSafeInteger(offset) ||
    offset < 0 ||
    !Number.isFinite(timestamp) ||
    key === undefined ||
    value === undefined ||
    headers === undefined ||
    (topic === fallback.topic ? format : Object.hasOwn(formats, topic) ? formats[topic] : undefined) ===
      undefined
  ) {
    return failure(r, topic, partition, formats);
  }
  let keyText: string | null = null;
  let keyError: unknown;
  if (key !== null) {
    if (keyDecoder === undefined) keyText = key.toString('utf8');
    else {
      try {
        keyText = keyDecoder(key);
      } catch (error) {
        keyError = error;
      }
    }
  }
  const source = new KafkaSourceRecord(
    {
      topic,
      partition,
      offset,
      timestamp,
      timestampType:
        r.timestampType === TimestampType.LogAppendTime
          ? TimestampType.LogAppendTime
          : TimestampType.CreateTime,
      key,
      value,
    },
    r.headers,
    keyText,
    holdsEveryHeader(headers, r.headers) ? headers : undefined,
  );
  const valueFormat = (topic === fallback.topic ? format : formats[topic]) as ValueFormat;
  if (keyError !== undefined) {
    return {
      record: { source, key: null, value: null, headers },
      error: decodeFailure(keyError, `key ${valueFormat}`),
    };
  }
  if (value === null) return { source, key: keyText, value: null, headers };
  try {
    return { source, key: keyText, value: decoders[valueFormat](value), headers };
  } catch (error) {
    return {
      record: { source, key: keyText, value: null, headers },
      error: decodeFailure(error, valueFormat),
    };
  }
};

/** The decoder's error, its message prefixed with what was decoded; a registry reason is kept. */
const decodeFailure = (error: unknown, what: string): DecodeError =>
  error instanceof DecodeError
    ? new DecodeError(`${what} ${error.message}`, error.reason === undefined ? {} : { reason: error.reason })
    : new DecodeError(`${what} decoder failed: ${String(error)}`);

/** The slow path: say everything that is wrong with the record, keeping whatever original bytes it has. */
const failure = (
  r: Partial<KafkaEventRecord>,
  topic: string,
  partition: number,
  formats: Readonly<Record<string, ValueFormat>>,
): RecordOutcome => {
  const problems: string[] = [];
  let offset = r.offset as number;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    problems.push('offset is missing or not a non-negative integer');
    offset = -1;
  }
  let timestamp = r.timestamp as number;
  if (!Number.isFinite(timestamp)) {
    problems.push('timestamp is missing or not a number');
    timestamp = 0;
  }
  const key = bytesOf(r.key, 'key', problems);
  const value = bytesOf(r.value, 'value', problems);
  const headers = headersAsText(r.headers);
  if (headers === undefined) problems.push('headers are not a list of single-entry objects of byte arrays');
  if (problems.length === 0 && !Object.hasOwn(formats, topic)) {
    problems.push(
      `topic "${topic}" is not a source of this flow (expected ${Object.keys(formats).join(', ')})`,
    );
  }
  const timestampType =
    r.timestampType === TimestampType.LogAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  const source = new KafkaSourceRecord(
    { topic, partition, offset, timestamp, timestampType, key, value },
    r.headers,
  );
  return {
    record: {
      source,
      key: key === null ? null : key.toString('utf8'),
      value: null,
      headers: headers ?? EMPTY_HEADERS,
    },
    error: new DecodeError(problems.join('; ') || 'record does not match its partition'),
  };
};

/**
 * Base64 field → bytes. Absent or null is a null key / tombstone. Invalid base64 is recorded as a problem and the
 * text as received is kept as the bytes, so the dead letter still carries exactly what arrived.
 */
const bytesOf = (text: unknown, field: 'key' | 'value', problems: string[]): Buffer | null => {
  if (text === undefined || text === null) return null;
  if (typeof text !== 'string') {
    problems.push(`${field} is not a base64 string`);
    return Buffer.from(JSON.stringify(text) ?? '', 'utf8');
  }
  const bytes = decodeBase64(text);
  if (bytes === undefined) {
    problems.push(`${field} is not valid base64 (the dead letter carries the text as received)`);
    return Buffer.from(text, 'utf8');
  }
  return bytes;
};
