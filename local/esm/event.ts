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
  /** The record's JSON inside the event (base64 and byte arrays), made once when it is fetched. */
  readonly json?: string;
}

/** Lambda encodes header values as arrays of signed Java bytes. */
const javaBytes = (value: Buffer | null): number[] =>
  value ? Array.from(value, (b) => (b > 127 ? b - 256 : b)) : [];

/** The record as the event carries it, as an object (FilterCriteria, on-failure destinations, samples). */
export const toEventRecord = (record: Omit<FetchedRecord, 'payloadBytes'>): KafkaEventRecord => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset,
  timestamp: record.timestamp,
  timestampType: 'CREATE_TIME',
  key: record.key ? record.key.toString('base64') : null,
  value: record.value ? record.value.toString('base64') : null,
  headers: record.headers.map((h) => ({ [h.key]: javaBytes(h.value) })),
});

const signedByteText = Array.from({ length: 256 }, (_, b) => String(b > 127 ? b - 256 : b));

const javaBytesJson = (value: Buffer | null): string => {
  if (!value || value.length === 0) return '[]';
  let text = `[${signedByteText[value[0] as number]}`;
  for (let i = 1; i < value.length; i++) text += `,${signedByteText[value[i] as number]}`;
  return `${text}]`;
};

const base64Json = (bytes: Buffer | null): string => (bytes ? `"${bytes.toString('base64')}"` : 'null');

/**
 * `JSON.stringify(toEventRecord(record))`, written straight from the fetched buffers: no intermediate object,
 * no array of numbers per header byte. Building it once per record at fetch time is what lets an invocation
 * be a string concatenation, and it gives the record's exact payload size.
 */
export const eventRecordJson = (record: Omit<FetchedRecord, 'payloadBytes'>): string => {
  let headers = '';
  for (const h of record.headers) {
    headers += `${headers ? ',' : ''}{${JSON.stringify(h.key)}:${javaBytesJson(h.value)}}`;
  }
  return `{"topic":${JSON.stringify(record.topic)},"partition":${record.partition},"offset":${record.offset},"timestamp":${record.timestamp},"timestampType":"CREATE_TIME","key":${base64Json(record.key)},"value":${base64Json(record.value)},"headers":[${headers}]}`;
};

/**
 * JSON size of one record inside the event, with the comma that separates it from the next: what counts against
 * Lambda's 6 MB invocation payload limit.
 */
export const payloadBytesOf = (record: Omit<FetchedRecord, 'payloadBytes'>): number =>
  Buffer.byteLength(record.json ?? eventRecordJson(record)) + 1;

/** A fetched record with its event JSON and payload size, each computed once. */
export const fetchedRecord = (record: Omit<FetchedRecord, 'payloadBytes' | 'json'>): FetchedRecord => {
  const json = eventRecordJson(record);
  return { ...record, json, payloadBytes: Buffer.byteLength(json) + 1 };
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
    grouped[id].push(toEventRecord(record));
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
 * The same event as JSON, `JSON.stringify(buildEvent(identity, records))` byte for byte, assembled from each
 * record's JSON made at fetch time: what the emulator hands to an execution environment, as Lambda hands its
 * runtime the event's JSON.
 */
export const buildEventJson = (identity: EventSourceIdentity, records: readonly FetchedRecord[]): string => {
  const groups = new Map<string, string[]>();
  for (const record of records) {
    const id = `${record.topic}-${record.partition}`;
    let group = groups.get(id);
    if (!group) {
      group = [];
      groups.set(id, group);
    }
    group.push(record.json ?? eventRecordJson(record));
  }
  let grouped = '';
  for (const [id, group] of groups)
    grouped += `${grouped ? ',' : ''}${JSON.stringify(id)}:[${group.join(',')}]`;
  const head = identity.clusterArn
    ? `{"eventSource":"aws:kafka","eventSourceArn":${JSON.stringify(identity.clusterArn)},`
    : '{"eventSource":"SelfManagedKafka",';
  return `${head}"bootstrapServers":${JSON.stringify(identity.bootstrapServers)},"records":{${grouped}}}`;
};

/**
 * The envelope around the records: `{"eventSource":…,"eventSourceArn":…,"bootstrapServers":…,"records":{"t-0":[…]}}`;
 * generous, since an ARN and a broker list can be long.
 */
export const EVENT_OVERHEAD_BYTES = 4096;
/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * The headers kafkajs's consumer hands over, back as a list. kafkajs folds them into an object by name, reading
 * `obj[name]` first, so a header named like an `Object.prototype` member (`constructor`, `toString`) arrives with
 * the inherited member in front of its value: only bytes, text and null are header values. kafkajs groups a
 * repeated name's values at its first place; that order is lost before this point.
 */
export const fetchedHeaders = (
  headers: Readonly<Record<string, unknown>> | undefined,
): { key: string; value: Buffer | null }[] => {
  const list: { key: string; value: Buffer | null }[] = [];
  if (!headers) return list;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null) list.push({ key, value: null });
      else if (Buffer.isBuffer(v)) list.push({ key, value: v });
      else if (typeof v === 'string') list.push({ key, value: Buffer.from(v) });
    }
  }
  return list;
};
