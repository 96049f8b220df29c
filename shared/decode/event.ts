/**
 * The Lambda Kafka event-source payload, as Lambda sends it for Amazon MSK (`aws:kafka`) and for self-managed
 * Kafka (`SelfManagedKafka`). Typed loosely on purpose: the decoder checks every field it reads, because a
 * malformed record must become a dead letter rather than a thrown batch.
 */
export const EventSource = { Msk: 'aws:kafka', SelfManaged: 'SelfManagedKafka' } as const;
export type EventSource = (typeof EventSource)[keyof typeof EventSource];

/** One header: a single-entry object whose value is the header's bytes as numbers (Java bytes may be signed). */
export type KafkaEventHeader = Readonly<Record<string, readonly number[]>>;

/** Schema-registry metadata Lambda adds in provisioned mode with a schema registry (the Avro/Protobuf seam). */
export interface KafkaSchemaMetadata {
  readonly dataFormat?: string;
  readonly schemaId?: string;
}

export interface KafkaEventRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: string;
  /** Base64; absent or null for a null key. */
  readonly key?: string | null;
  /** Base64; absent or null for a tombstone. */
  readonly value?: string | null;
  readonly headers?: readonly KafkaEventHeader[] | null;
  readonly keySchemaMetadata?: KafkaSchemaMetadata;
  readonly valueSchemaMetadata?: KafkaSchemaMetadata;
}

export interface KafkaEvent {
  readonly eventSource: EventSource | string;
  /** MSK only. */
  readonly eventSourceArn?: string;
  readonly bootstrapServers?: string;
  /** Records grouped under "topic-partition" keys, each group in offset order. */
  readonly records?: Readonly<Record<string, readonly KafkaEventRecord[]>> | null;
}
