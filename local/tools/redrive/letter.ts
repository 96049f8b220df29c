import type { RecordHeader } from '../../../shared/record.ts';

/** Headers a redriven record carries, so any consumer can tell it was redriven and from where. */
export const RedriveHeader = {
  /** Where the redrive read it: `<dead-letter topic>/<partition>/<offset>` or `<failed-batch object>#<n>`. */
  From: 'sluice.redrive.from',
  /** The original record's coordinates: `<topic>/<partition>/<offset>`. */
  Source: 'sluice.redrive.source',
  /** When it was redriven (ISO 8601). */
  At: 'sluice.redrive.at',
} as const;

export const REDRIVE_HEADER_PREFIX = 'sluice.redrive.';

/** A Kafka message as bytes, headers in order with duplicates kept. */
export interface RedriveMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** One record a redrive found: a dead letter or a record of a failed batch. */
export interface Letter {
  /** The ledger key: the same record read again has the same id. */
  readonly id: string;
  /** Where it was read, for people and for the `sluice.redrive.from` header. */
  readonly from: string;
  readonly flow?: string;
  readonly stage: string;
  readonly errorClass: string;
  readonly reason: string;
  /** The original record's coordinates, when known. */
  readonly source?: { readonly topic: string; readonly partition: number; readonly offset: number };
  /** The record to publish again, or why it cannot be (then `message` is absent). */
  readonly message?: RedriveMessage;
  readonly notRedrivable?: string;
  /** Where it goes when it names no source and no `--to` is given (a flow's Kafka on-failure topic). */
  readonly defaultTopic?: string;
  /** The dead-letter topic refused the full message and it was sent without its value. */
  readonly valueOmitted?: boolean;
}

export const coordinates = (source: NonNullable<Letter['source']>): string =>
  `${source.topic}/${source.partition}/${source.offset}`;
