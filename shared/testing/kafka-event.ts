import type { KafkaEvent, KafkaEventRecord } from '../decode/event.ts';

/** A record to feed a flow, as a producer would send it. */
export interface TestRecord {
  /** The record key as text; null (the default) for a null key. */
  readonly key?: string | null;
  /** An object or number is sent as JSON, a string as its UTF-8 text, a Buffer as its bytes, null as a tombstone. */
  readonly value: unknown;
  /** Headers as UTF-8 text. */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 0 */
  readonly partition?: number;
  /** @default the partition's next offset (offsets start at 0 and only grow) */
  readonly offset?: number;
  /** The record's create time. @default the driver's clock: `startTime`, then one second later per record */
  readonly timestamp?: Date | number | string;
}

const bytesOf = (value: unknown): Buffer | null => {
  if (value === null) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
};

const millis = (time: Date | number | string): number =>
  typeof time === 'number' ? time : time instanceof Date ? time.getTime() : Date.parse(time);

/**
 * Builds Lambda Kafka events with realistic coordinates: the flow's source topic, offsets that keep increasing
 * per partition across sends, create times from a clock, keys and values base64, headers as byte arrays.
 */
export class EventBuilder {
  readonly #topic: string;
  readonly #next = new Map<number, number>();
  #clock: number;

  constructor(topic: string, startTime: Date | number | string) {
    this.#topic = topic;
    this.#clock = millis(startTime);
    if (!Number.isFinite(this.#clock))
      throw new TypeError(`testFlow: startTime ${String(startTime)} is not a time`);
  }

  event(records: readonly TestRecord[]): KafkaEvent {
    const groups: Record<string, KafkaEventRecord[]> = {};
    for (const record of records) {
      const partition = record.partition ?? 0;
      const offset = record.offset ?? this.#next.get(partition) ?? 0;
      this.#next.set(partition, Math.max(offset + 1, this.#next.get(partition) ?? 0));
      const timestamp = record.timestamp === undefined ? this.#clock : millis(record.timestamp);
      this.#clock = Math.max(this.#clock, timestamp) + 1000;
      const key = record.key === undefined || record.key === null ? null : Buffer.from(record.key, 'utf8');
      const value = bytesOf(record.value);
      const id = `${this.#topic}-${partition}`;
      groups[id] ??= [];
      groups[id].push({
        topic: this.#topic,
        partition,
        offset,
        timestamp,
        timestampType: 'CREATE_TIME',
        key: key === null ? null : key.toString('base64'),
        value: value === null ? null : value.toString('base64'),
        headers: Object.entries(record.headers ?? {}).map(([name, text]) => ({
          [name]: [...Buffer.from(text, 'utf8')],
        })),
      });
    }
    return {
      eventSource: 'aws:kafka',
      eventSourceArn:
        'arn:aws:kafka:us-east-1:123456789012:cluster/test-kit/00000000-0000-0000-0000-000000000000-1',
      bootstrapServers: 'b-1.test-kit.kafka.us-east-1.amazonaws.com:9098',
      records: groups,
    };
  }
}
