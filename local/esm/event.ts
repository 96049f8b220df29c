import type { KafkaEvent, KafkaEventRecord } from '../../shared/decode/event.ts';

/** A record as the emulator fetched it from Kafka, before it is shaped into a Lambda event. */
export interface FetchedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
  /** Bytes this record adds to the invocation payload, computed once when it is fetched. */
  readonly payloadBytes: number;
  /** The record as the event carries it (base64 and byte arrays), made once when it is fetched. */
  readonly eventRecord?: KafkaEventRecord;
}

/** Lambda encodes header values as arrays of signed Java bytes. */
const javaBytes = (value: Buffer | null): number[] =>
  value ? Array.from(value, (b) => (b > 127 ? b - 256 : b)) : [];

export const toEventRecord = (record: FetchedRecord): KafkaEventRecord => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset,
  timestamp: record.timestamp,
  timestampType: 'CREATE_TIME',
  key: record.key ? record.key.toString('base64') : null,
  value: record.value ? record.value.toString('base64') : null,
  headers: record.headers.map((h) => ({ [h.key]: javaBytes(h.value) })),
});

const base64Length = (bytes: Buffer | null) => (bytes ? 2 + 4 * Math.ceil(bytes.length / 3) : 4);
const FIXED_JSON_BYTES =
  '{"topic":"","partition":,"offset":,"timestamp":,"timestampType":"CREATE_TIME","key":,"value":,"headers":}'
    .length;

/**
 * JSON size of one record inside the event, with the comma that separates it from the next: what counts against
 * Lambda's 6 MB invocation payload limit. Worked out from the lengths (topic names need no JSON escaping), since
 * serialising every fetched record just to measure it cost the emulator more than anything else it did.
 */
export const payloadBytesOf = (record: Omit<FetchedRecord, 'payloadBytes'>): number => {
  const eventRecord = record.eventRecord ?? toEventRecord({ ...record, payloadBytes: 0 });
  return (
    FIXED_JSON_BYTES +
    record.topic.length +
    String(record.partition).length +
    String(record.offset).length +
    String(record.timestamp).length +
    base64Length(record.key) +
    base64Length(record.value) +
    (eventRecord.headers && eventRecord.headers.length > 0
      ? Buffer.byteLength(JSON.stringify(eventRecord.headers))
      : 2) +
    1
  );
};

/** A fetched record with its event form and payload size, each computed once. */
export const fetchedRecord = (record: Omit<FetchedRecord, 'payloadBytes' | 'eventRecord'>): FetchedRecord => {
  const eventRecord = toEventRecord({ ...record, payloadBytes: 0 });
  return { ...record, eventRecord, payloadBytes: payloadBytesOf({ ...record, eventRecord }) };
};

export interface EventSourceIdentity {
  /** MSK cluster ARN: present for Amazon MSK events, absent for self-managed Kafka. */
  readonly clusterArn?: string;
  readonly bootstrapServers: string;
}

/** The event exactly as a Kafka event-source mapping sends it: records grouped under "topic-partition". */
export const buildEvent = (identity: EventSourceIdentity, records: readonly FetchedRecord[]): KafkaEvent => {
  const grouped: Record<string, KafkaEventRecord[]> = {};
  for (const record of records) {
    const id = `${record.topic}-${record.partition}`;
    grouped[id] ??= [];
    grouped[id].push(record.eventRecord ?? toEventRecord(record));
  }
  return identity.clusterArn
    ? {
        eventSource: 'aws:kafka',
        eventSourceArn: identity.clusterArn,
        bootstrapServers: identity.bootstrapServers,
        records: grouped,
      }
    : { eventSource: 'SelfManagedKafka', bootstrapServers: identity.bootstrapServers, records: grouped };
};

/**
 * The envelope around the records: `{"eventSource":…,"eventSourceArn":…,"bootstrapServers":…,"records":{"t-0":[…]}}`;
 * generous, since an ARN and a broker list can be long.
 */
export const EVENT_OVERHEAD_BYTES = 4096;
/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
