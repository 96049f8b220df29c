import type { KafkaEvent, KafkaEventRecord } from '../../../shared/decode/event.ts';

/** Builders for Lambda Kafka event payloads in tests: base64 keys and values, headers as byte arrays. */
export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export const headerBytes = (headers: Record<string, string>): KafkaEventRecord['headers'] =>
  Object.entries(headers).map(([k, v]) => ({ [k]: [...Buffer.from(v, 'utf8')] }));

export interface RecordSpec {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset: number;
  readonly key?: string | null;
  /** A JS value is JSON-encoded; a string is taken as the raw value text; null is a tombstone. */
  readonly value?: unknown;
  readonly rawValue?: string | null;
  readonly headers?: Record<string, string>;
  readonly timestamp?: number;
}

export const eventRecord = (spec: RecordSpec): KafkaEventRecord => ({
  topic: spec.topic ?? 'reviews.raw',
  partition: spec.partition ?? 0,
  offset: spec.offset,
  timestamp: spec.timestamp ?? 1_700_000_000_000 + spec.offset,
  timestampType: 'CREATE_TIME',
  key: spec.key === undefined ? b64(`k-${spec.offset}`) : spec.key === null ? null : b64(spec.key),
  value:
    spec.rawValue !== undefined
      ? spec.rawValue
      : spec.value === null
        ? null
        : b64(typeof spec.value === 'string' ? spec.value : JSON.stringify(spec.value ?? { n: spec.offset })),
  headers: headerBytes(spec.headers ?? {}),
});

export const kafkaEvent = (records: readonly RecordSpec[]): KafkaEvent => {
  const groups: Record<string, KafkaEventRecord[]> = {};
  for (const spec of records) {
    const r = eventRecord(spec);
    const id = `${r.topic}-${r.partition}`;
    groups[id] ??= [];
    groups[id].push(r);
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/test/abc',
    bootstrapServers: 'b-1.test:9098',
    records: groups,
  };
};
