/** The record model every step and output works on. */

export const TimestampType = { CreateTime: 'CREATE_TIME', LogAppendTime: 'LOG_APPEND_TIME' } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer;
}

/** A record exactly as the event-source mapping delivered it: the bytes dead letters must preserve. */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch, from the record (never the wall clock). */
  readonly timestamp: number;
  readonly timestampType: TimestampType;
  /** null for a null key. */
  readonly key: Buffer | null;
  /** null for a tombstone. */
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  /**
   * What decoding made of `key` and `headers`, when the decoder kept it (absent otherwise). Outputs compare a
   * record's key and headers with these by identity to reuse the source bytes without decoding them again.
   * `decodedHeaders` is set only when it holds every header (all UTF-8, no repeated names).
   */
  readonly decodedKey?: string | null;
  readonly decodedHeaders?: Readonly<Record<string, string>>;
}

/**
 * A decoded record moving through a flow. `value` null is a tombstone only when the source value was a Kafka null
 * (see `isTombstone`): the 4 bytes `null` on a JSON topic decode to a JSON null value, which is not a delete.
 */
export interface FlowRecord<V = unknown> {
  readonly source: SourceRecord;
  /** The key as UTF-8 text, or null. */
  readonly key: string | null;
  readonly value: V | null;
  /** Headers decoded as UTF-8 where valid; binary headers keep their bytes in `source.headers`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Set by a `route` step: the name of the one topic output this record goes to (other kinds still get it). */
  readonly route?: string;
}

/**
 * A record that is not a tombstone, as an output's callbacks for values (`id`, `document`, `item`) receive it.
 * @typeParam V - the record value type
 */
export type ValueRecord<V> = FlowRecord<V> & { readonly value: V };

/** "topic-partition", the key Lambda groups records under and the partial-batch-response identifier. */
export const partitionId = (r: { topic: string; partition: number }): string => `${r.topic}-${r.partition}`;

/**
 * A tombstone (a delete in Kafka's compaction sense) is a record whose Kafka value was null; a JSON `null` value,
 * or a step that maps a value to null, is not one.
 */
export const isTombstone = (record: FlowRecord): boolean =>
  record.value === null && record.source.value === null;
