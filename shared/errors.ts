/**
 * One error hierarchy. `retriable` decides the fate: a retriable error fails the batch (or is reported as a
 * batch item failure) so the event-source mapping replays it; a non-retriable one dead-letters the record.
 */
export const Stage = {
  Decode: 'decode',
  Step: 'step',
  /** The source filter or an output's `when` threw for the record. */
  Filter: 'filter',
  Validate: 'validate',
  Enrich: 'enrich',
  Output: 'output',
  /** A stateful step's record came too late (stream time): its windows had all closed, or its join side keeps it no more. */
  Late: 'late',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

export class SluiceError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** A topology or configuration mistake, found at load time, before anything is deployed or consumed. */
export class ConfigError extends SluiceError {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

/** AWS's names (the mapping's `SchemaRegistryErrorCount` reasons) for a registry-framed record that cannot be read. */
export const SchemaReason = {
  /** The record names a schema the registry does not hold. */
  SchemaNotFound: 'SCHEMA_NOT_FOUND',
  /** Wrong framing, or bytes that do not decode with (or validate against) their schema. */
  DeserializationError: 'DESERIALIZATION_ERROR',
} as const;
export type SchemaReason = (typeof SchemaReason)[keyof typeof SchemaReason];

/** A record whose bytes cannot be decoded in the topic's declared format; `reason` is set for registry formats. */
export class DecodeError extends SluiceError {
  readonly reason?: SchemaReason;
  constructor(message: string, options: { reason?: SchemaReason; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    if (options.reason !== undefined) this.reason = options.reason;
  }
}

/**
 * A record value that does not fit its output topic's declared schema (registry formats): dead-lettered at stage
 * `output` with `reason` DESERIALIZATION_ERROR, as the mapping names a value its schema cannot carry.
 */
export class EncodeError extends SluiceError {
  readonly reason: SchemaReason;
  constructor(message: string, options: { reason?: SchemaReason; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.reason = options.reason ?? SchemaReason.DeserializationError;
  }
}

/** A record that does not satisfy a `validate` step's schema. */
export class ValidationError extends SluiceError {}

/** A filter (the source filter or an output's `when`) threw for one record. */
export class FilterError extends SluiceError {}

/** A record too late for a stateful step (its windows all closed, or its join side no longer keeps it): stage `late`. */
export class LateRecordError extends SluiceError {}

/** A step threw for one record. */
export class StepError extends SluiceError {}

/** An enrichment lookup that cannot succeed for this record (bad key, inner join miss). */
export class LookupError extends SluiceError {}

/** A store rejected one record for good (mapping conflict, item too large). */
export class RecordRejectedError extends SluiceError {}

/**
 * The broker refused a produce request as too large for the topic (Kafka's MESSAGE_TOO_LARGE or
 * RECORD_LIST_TOO_LARGE). The writer splits the send and tries again; a record too large on its own is
 * dead-lettered.
 */
export class MessageTooLargeError extends SluiceError {}

/** Throttling, 5xx, broker or server unavailable: the batch must be retried. */
export class RetriableError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

export const isRetriable = (error: unknown): boolean => error instanceof SluiceError && error.retriable;
