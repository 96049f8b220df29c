import type { RecordHeader, SourceRecord, TimestampType } from '../record.ts';
import type { KafkaEventHeader } from './event.ts';
import { headersAsBytes } from './headers.ts';

/**
 * A SourceRecord whose header bytes are built only when asked for (dead letters, byte-exact outputs): most
 * records never need them, and building Buffers per header per record is measurable on the hot path.
 * Do not spread it (`{ ...source }` drops `headers`); pass it by reference.
 */
export class KafkaSourceRecord implements SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: TimestampType;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly decodedKey?: string | null;
  readonly decodedHeaders?: Readonly<Record<string, string>>;
  readonly #rawHeaders: readonly KafkaEventHeader[] | null | undefined;
  #headers: readonly RecordHeader[] | undefined;

  constructor(
    fields: Omit<SourceRecord, 'headers' | 'decodedKey' | 'decodedHeaders'>,
    rawHeaders: readonly KafkaEventHeader[] | null | undefined,
    decodedKey?: string | null,
    decodedHeaders?: Readonly<Record<string, string>>,
  ) {
    this.topic = fields.topic;
    this.partition = fields.partition;
    this.offset = fields.offset;
    this.timestamp = fields.timestamp;
    this.timestampType = fields.timestampType;
    this.key = fields.key;
    this.value = fields.value;
    this.#rawHeaders = rawHeaders;
    this.decodedKey = decodedKey;
    this.decodedHeaders = decodedHeaders;
  }

  get headers(): readonly RecordHeader[] {
    if (this.#headers === undefined) this.#headers = headersAsBytes(this.#rawHeaders);
    return this.#headers;
  }
}
